"""docker-compose.yml and the Dockerfile, checked as far as a machine without a Docker engine
allows: the compose file against the Compose specification's JSON schema (tests/compose/), and
every command the image runs against what the production-mode test (tests/test_production.py)
runs: the same bin/serve entry commands."""

import copy
import json
import re
import shlex
import subprocess
from pathlib import Path

import yaml
from jsonschema import Draft7Validator

from .production import HOST_COMMANDS, SERVE

ROOT = Path(__file__).resolve().parent.parent
SCHEMA = json.loads((ROOT / "tests" / "compose" / "compose-spec.json").read_text())
DOCKERFILE = (ROOT / "Dockerfile").read_text()


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def schema_errors(document: dict) -> list[str]:
    return [
        f"{'/'.join(map(str, error.absolute_path))}: {error.message}"
        for error in Draft7Validator(SCHEMA).iter_errors(document)
    ]


def test_the_compose_file_follows_the_compose_specification():
    document = compose()
    assert {"postgres", "redis", "migrate", "web", "worker", "mail-worker", "beat"} <= set(
        document["services"]
    )
    assert schema_errors(document) == []


def test_the_schema_check_catches_what_compose_would_refuse():
    misspelt = copy.deepcopy(compose())
    misspelt["services"]["web"]["depend_on"] = misspelt["services"]["web"].pop("depends_on")
    wrong_type = copy.deepcopy(compose())
    wrong_type["services"]["web"]["ports"] = "8000:8000"  # a list, in Compose
    assert any("depend_on" in error for error in schema_errors(misspelt))
    assert any(error.startswith("services/web/ports") for error in schema_errors(wrong_type))


def image_commands() -> list[list[str]]:
    """The image's CMD and every `bin/serve` its build runs."""
    cmd = re.search(r"^CMD (\[.*\])$", DOCKERFILE, re.MULTILINE)
    assert cmd, "the Dockerfile has a CMD in exec form"
    commands = [json.loads(cmd.group(1))]
    instructions = "\n".join(line for line in DOCKERFILE.splitlines() if not line.lstrip().startswith("#"))
    commands += [["bin/serve", name] for name in re.findall(r"\bbin/serve (\S+)", instructions)]
    return commands


def test_the_image_and_every_compose_service_run_the_entry_commands_the_production_test_runs():
    built = {name: service for name, service in compose()["services"].items() if "build" in service}
    assert set(built) == {"migrate", "web", "worker", "mail-worker", "sync-worker", "beat"}
    commands = image_commands() + [shlex.split(service["command"]) for service in built.values()]
    for command in commands:
        assert command[0] == "bin/serve" and len(command) == 2, command
    used = {command[1] for command in commands}
    # Each is one the production-mode test starts, and it starts no other.
    assert used == set(HOST_COMMANDS)
    assert image_commands()[0] == ["bin/serve", "web"]


def test_bin_serve_refuses_a_command_it_does_not_know():
    done = subprocess.run([str(SERVE), "webb"], capture_output=True, text=True, timeout=30)
    assert done.returncode == 2
    for name in HOST_COMMANDS:
        assert name in done.stderr


def test_the_image_holds_bin_serve_but_no_local_state_and_keeps_beat_state_on_the_volume():
    ignored = (ROOT / ".dockerignore").read_text().split()
    assert "COPY . ." in DOCKERFILE and not any(pattern.strip("/").startswith("bin") for pattern in ignored)
    # A checkout's own database, evidence, virtualenv and secrets stay out of the image.
    assert {"var", ".venv", ".env", ".git"} <= set(ignored)
    assert re.search(r"^ENV .*\bDESK_VAR_DIR=/data\b", DOCKERFILE, re.MULTILINE)
    # bin/serve keeps beat's schedule in DESK_VAR_DIR: the volume every desk service mounts.
    for name in ("web", "worker", "mail-worker", "beat"):
        assert "private-media:/data" in compose()["services"][name]["volumes"]
