"""The Flask app's foundations: instance folder and secret key."""
from kiosk import create_app


def test_secret_key_is_generated_once_in_the_instance_folder(tmp_path):
    first = create_app(instance_path=tmp_path / "inst")
    key_file = tmp_path / "inst" / "secret_key"
    assert key_file.exists() and len(first.config["SECRET_KEY"]) == 64
    again = create_app(instance_path=tmp_path / "inst")
    assert again.config["SECRET_KEY"] == first.config["SECRET_KEY"]
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"


def test_home_page_answers(tmp_path):
    client = create_app(instance_path=tmp_path).test_client()
    page = client.get("/")
    assert page.status_code == 200 and "Survei Kepuasan Masyarakat" in page.text
