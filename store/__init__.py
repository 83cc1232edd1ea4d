"""The only place with SQL: the schema and its history, and one module per thing kept.

Nothing outside this package writes SQL; web/ and results/ call these modules. Importing
the package makes every module available as `store.<module>`.
"""
from store import (  # noqa: F401 (re-exported)
    accounts,
    actions,
    alerts,
    audit,
    backup,
    backups,
    comments,
    daily_totals,
    instance,
    kiosks,
    mail,
    paper,
    paper_entries,
    populations,
    poster,
    reasons,
    recordings,
    recount,
    responses,
    schema,
    services,
    settings,
    signin,
    slips,
    themes,
    tokens,
    totals,
)
