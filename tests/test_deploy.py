"""The team deployment files are well-formed and agree with the app: compose.yaml, the
Dockerfile, the secrets example; and the app keeps no per-user state in module globals."""

from __future__ import annotations

import ast
import re
import tomllib
from urllib.parse import urlsplit

import yaml

from .paths import ROOT

# Module-level objects in ui/ that code writes to, each with why every session may share it.
SHARED_IN_PROCESS = {
    ("main.py", "_LAST"): "the rulebook memo (rules dir → fingerprint, frozen rulebook); no user data",
    ("auth.py", "_no_secrets"): "'no secrets file' remembered for a second (the deployment's mode); no user data",
}
_MUTATORS = {
    "append",
    "extend",
    "insert",
    "update",
    "setdefault",
    "pop",
    "popitem",
    "clear",
    "add",
    "discard",
    "remove",
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
    """Several replicas share one database only if no session's data lives in a module global:
    a module-level dict, list or set in ui/ that the code writes to must be listed above."""
    written = set()
    for path in sorted((ROOT / "ui").glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        module_level = {
            target.id
            for node in tree.body
            if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None
            for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
            if isinstance(target, ast.Name)
        }
        for node in ast.walk(tree):
            name = None
            if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store | ast.Del):
                name = node.value.id if isinstance(node.value, ast.Name) else None
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in _MUTATORS:
                name = node.func.value.id if isinstance(node.func.value, ast.Name) else None
            elif isinstance(node, ast.Global):
                written |= {(path.name, n) for n in node.names}
            if name in module_level:
                written.add((path.name, name))
    assert written == set(SHARED_IN_PROCESS), written


def test_the_server_does_not_force_a_full_garbage_collection_after_every_rerun() -> None:
    """Streamlit's default ``runner.postScriptGC`` runs ``gc.collect(2)`` after every rerun: with the app's
    libraries and rules in memory that held the GIL 110–280 ms per click (bench/browser.py, 20 sessions)."""
    from streamlit import config

    assert "runner.postScriptGC" in config._config_options_template, "Streamlit renamed the option: follow it"
    settings = tomllib.loads((ROOT / ".streamlit" / "config.toml").read_text(encoding="utf-8"))
    assert settings["runner"]["postScriptGC"] is False
