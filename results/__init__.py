"""A period's results put together from the store and the IKM core, and what shows them:
the summary of a period, charts, the workbook and the CSV export."""
