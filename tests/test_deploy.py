"""The team deployment files are well-formed and agree with the app: compose.yaml, the
Dockerfile, the secrets example; and the app keeps no per-user state in module globals."""

from __future__ import annotations

import ast
import re
import tomllib
from urllib.parse import urlsplit

import yaml

from .paths import ROOT

# Module-level mutable objects in ui/, each with why it may be shared by every session.
SHARED_IN_PROCESS = {
    ("main.py", "_LAST"): "the rulebook memo (rules dir → fingerprint, frozen Rulebook); no user data",
    ("results.py", "_STATUS_COLOURS"): "a constant table, never written",
    ("wizard.py", "_YES_NO"): "a constant table, never written",
}


def test_compose_starts_the_app_against_postgresql() -> None:
    compose = yaml.safe_load((ROOT / "compose.yaml").read_text(encoding="utf-8"))
    services = compose["services"]
    assert set(services) == {"app", "db"}
    app, db = services["app"], services["db"]
    assert app["build"] == "." and (ROOT / "Dockerfile").is_file()
    # The password is interpolated by compose from .env; stand a plain word in for it.
    url = urlsplit(re.sub(r"\$\{[^}]*\}", "password", app["environment"]["ATMP_DATABASE_URL"]))
    assert url.scheme.startswith("postgresql") and url.hostname == "db" and url.port == 5432
    assert url.path == "/" + db["environment"]["POSTGRES_DB"]
    assert url.username == db["environment"]["POSTGRES_USER"]
    assert app["depends_on"]["db"]["condition"] == "service_healthy" and "healthcheck" in db
    assert db["image"].startswith("postgres:")
    assert {"source": "streamlit_secrets", "target": "/app/.streamlit/secrets.toml"} in app["secrets"]
    assert compose["secrets"]["streamlit_secrets"]["file"] == "./.streamlit/secrets.toml"
    assert any(port.endswith(":8501") for port in app["ports"])


def test_dockerfile_copies_everything_the_app_imports_and_runs_it() -> None:
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    copied = {part for line in re.findall(r"^COPY (.+)$", text, flags=re.M) for part in line.split()[:-1]}
    for needed in ("requirements.txt", "app.py", "atmp_pathways", "ui", "rules", ".streamlit/config.toml"):
        assert needed in copied, needed
    assert re.search(r'^CMD \["streamlit", "run", "app.py"', text, flags=re.M)
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert ".streamlit/secrets.toml" in ignored  # a secret never ends up in an image


def test_secrets_example_has_every_auth_setting_and_the_real_file_is_ignored() -> None:
    example = tomllib.loads((ROOT / ".streamlit" / "secrets.example.toml").read_text(encoding="utf-8"))
    assert set(example["auth"]) == {
        "redirect_uri",
        "cookie_secret",
        "client_id",
        "client_secret",
        "server_metadata_url",
    }
    assert example["auth"]["redirect_uri"].endswith("/oauth2callback")
    assert ".streamlit/secrets.toml" in (ROOT / ".gitignore").read_text(encoding="utf-8").split()


def test_readme_documents_the_team_deployment() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Deploying for a team", 1)[1].split("\n## ", 1)[0]
    for needed in (
        "ATMP_DATABASE_URL",
        "cookie_secret",
        "sticky sessions",
        "docker compose up",
        "migrations",
        "[auth]",
    ):
        assert needed in section, needed
    assert "**Assessments**" in readme.split("## Using the wizard", 1)[1].split("\n## ", 1)[0]


def test_ui_modules_keep_no_mutable_state_but_the_rulebook() -> None:
    """Several replicas share one database only if no session's data lives in a module global."""
    found = {}
    for path in sorted((ROOT / "ui").glob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if isinstance(node, ast.Assign):
                targets, value = node.targets, node.value
            elif isinstance(node, ast.AnnAssign) and node.value is not None:
                targets, value = [node.target], node.value
            else:
                continue
            mutable = isinstance(value, ast.Dict | ast.List | ast.Set) or (
                isinstance(value, ast.Call)
                and isinstance(value.func, ast.Name)
                and value.func.id in {"dict", "list", "set", "defaultdict", "OrderedDict"}
            )
            for target in targets:
                if mutable and isinstance(target, ast.Name) and target.id != "__all__":
                    found[(path.name, target.id)] = ast.unparse(value)[:60]
    assert set(found) == set(SHARED_IN_PROCESS), found
