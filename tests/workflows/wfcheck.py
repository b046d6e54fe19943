"""Security and structure rules for GitHub workflow files, as plain checks over the parsed YAML.

actionlint cannot be installed here (DESIGN §9), and zizmor does not cover every rule this
project holds itself to, so each rule is a small function returning ``Problem``s. ``check_file``
runs them all. The rules (README "Security model"):

- ``trigger``: no ``pull_request_target`` or ``workflow_run`` (both run pull-request input with
  the base repository's secrets and write token).
- ``permissions``: a top-level ``permissions`` that grants nothing beyond read, and an explicit
  ``permissions`` mapping on every job (so no job inherits a default).
- ``secret-with-write``: a job that holds a Shoptet secret gets no write permission.
- ``pin``: every ``uses:`` pinned to a full 40-hex commit SHA, with the version in a comment.
- ``injection``: no ``${{ ... }}`` inside ``run:`` scripts or github-script ``script:``; values
  reach scripts through ``env:``.
- ``credentials``: ``actions/checkout`` never leaves the token in ``.git/config``.
- ``references``: ``needs.X`` names a job this job needs, ``needs.X.outputs.Y`` an output that
  job declares, ``steps.X`` a step id of the same job, ``matrix.*`` a job with a matrix (what
  actionlint would catch).
- ``secrets``: secrets only in step ``env:``; never ``secrets[...]`` or ``toJSON(secrets)``; a
  Shoptet secret only in a job bound to an environment; the write token only in an apply
  environment (``shoptet-apply-*``), never in a workflow that pull requests trigger.
- ``calls`` (a job that calls a reusable workflow, ``jobs.<id>.uses``): the called file exists
  (``./.github/workflows/X`` in this repository, or ``OWNER/REPO/.github/workflows/X@ref`` looked
  up in ``reusable_dir``); ``with:`` names only declared inputs and gives every required one;
  secrets are passed one by one under their own name (never ``secrets: inherit``) and only the
  declared ones; the calling job's ``permissions`` cover every called job's (GitHub refuses the
  run otherwise, so this is where least privilege is decided); a workflow that pull requests
  trigger passes no write token and calls no workflow that binds an apply environment. The
  called jobs are checked as part of the called file: a secret next to a write permission there
  is the ``secret-with-write`` rule.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ruamel.yaml import YAML

SHA_PIN = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_./-]+@[0-9a-f]{40}$")
VERSION_COMMENT = re.compile(r"#\s*v\d+(\.\d+)*\b")
EXPRESSION = re.compile(r"\$\{\{(.*?)\}\}", re.S)
SECRET_REF = re.compile(r"secrets\.([A-Za-z_][A-Za-z0-9_]*)")
FORBIDDEN_TRIGGERS = ("pull_request_target", "workflow_run")
WRITE_TOKEN = "SHOPTET_WRITE_TOKEN"
APPLY_ENVIRONMENT = "shoptet-apply-"


@dataclass(frozen=True, order=True)
class Problem:
    file: str
    line: int
    rule: str
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: [{self.rule}] {self.message}"


def load(path: Path):
    """Parse a workflow (YAML 1.2: ``on`` stays a string key) keeping line numbers."""
    yaml = YAML(typ="rt")
    with path.open(encoding="utf-8") as fh:
        return yaml.load(fh)


def _line(node, key) -> int:
    try:
        return node.lc.key(key)[0] + 1
    except (AttributeError, KeyError, TypeError):
        return 0


def triggers(doc) -> set[str]:
    on = doc.get("on")
    if isinstance(on, str):
        return {on}
    if isinstance(on, list):
        return {str(t) for t in on}
    return set(on or {})


def jobs(doc) -> dict:
    return dict(doc.get("jobs") or {})


def steps(job) -> list:
    return list(job.get("steps") or [])


def _text(value) -> str:
    """Every string inside a value (mapping, list or scalar), joined."""
    if isinstance(value, dict):
        return "\n".join(f"{k}\n{_text(v)}" for k, v in value.items())
    if isinstance(value, list):
        return "\n".join(_text(v) for v in value)
    return "" if value is None else str(value)


def _grants_write(perms) -> bool:
    if isinstance(perms, str):
        return perms == "write-all"
    return any(str(v) == "write" for v in (perms or {}).values())


def check_triggers(name: str, doc) -> list[Problem]:
    return [
        Problem(name, _line(doc, "on"), "trigger", f"`{t}` runs untrusted input with secrets")
        for t in FORBIDDEN_TRIGGERS
        if t in triggers(doc)
    ]


def _is_call(job) -> bool:
    return "uses" in job


def check_permissions(name: str, doc) -> list[Problem]:
    out = []
    if "permissions" not in doc:
        out.append(Problem(name, 1, "permissions", "no top-level `permissions` (use `{}`)"))
    else:
        top = doc["permissions"]
        if (isinstance(top, str) and top != "read-all") or (
            isinstance(top, dict) and any(str(v) not in ("read", "none") for v in top.values())
        ):
            out.append(
                Problem(
                    name,
                    _line(doc, "permissions"),
                    "permissions",
                    "top-level `permissions` grants more than read",
                )
            )
    for job_id, job in jobs(doc).items():
        perms = job.get("permissions")
        if perms is None:
            out.append(
                Problem(
                    name,
                    _line(doc["jobs"], job_id),
                    "permissions",
                    f"job `{job_id}` has no explicit `permissions`",
                )
            )
        elif isinstance(perms, str):
            out.append(
                Problem(
                    name,
                    _line(job, "permissions"),
                    "permissions",
                    f"job `{job_id}` uses `{perms}`; list each scope it needs",
                )
            )
        # A calling job's permissions are a ceiling for the called jobs: the rule applies to
        # those jobs, in the called file.
        if _grants_write(perms) and _shoptet_secrets(job) and not _is_call(job):
            out.append(
                Problem(
                    name,
                    _line(job, "permissions"),
                    "secret-with-write",
                    f"job `{job_id}` holds a Shoptet secret and a write permission",
                )
            )
    return out


def _uses_nodes(doc):
    """(node, key-holder, job_id) for each job-level and step-level ``uses``."""
    for job_id, job in jobs(doc).items():
        if "uses" in job:
            yield job, job_id
        for step in steps(job):
            if "uses" in step:
                yield step, job_id


def check_pins(name: str, doc, raw_lines: list[str]) -> list[Problem]:
    out = []
    for node, job_id in _uses_nodes(doc):
        ref = str(node["uses"]).strip()
        line = _line(node, "uses")
        if ref.startswith("./") or re.match(r"^docker://.+@sha256:[0-9a-f]{64}$", ref):
            continue
        if not SHA_PIN.match(ref):
            out.append(
                Problem(
                    name,
                    line,
                    "pin",
                    f"`{ref}` (job `{job_id}`) is not pinned to a full commit SHA",
                )
            )
        elif line and not VERSION_COMMENT.search(raw_lines[line - 1]):
            out.append(
                Problem(
                    name, line, "pin", f"`{ref}` (job `{job_id}`) has no `# vX.Y.Z` version comment"
                )
            )
    return out


def _scripts(doc):
    """(text, node, key, job_id) for each run script and github-script ``script``."""
    for job_id, job in jobs(doc).items():
        for step in steps(job):
            if "run" in step:
                yield str(step["run"]), step, "run", job_id
            with_ = step.get("with") or {}
            if "github-script" in str(step.get("uses", "")) and "script" in with_:
                yield str(with_["script"]), with_, "script", job_id


def check_injection(name: str, doc) -> list[Problem]:
    return [
        Problem(
            name,
            _line(node, key),
            "injection",
            f"`${{{{{m.group(1).strip()}}}}}` expanded inside a `{key}:` script "
            f"(job `{job_id}`); pass it through `env:`",
        )
        for text, node, key, job_id in _scripts(doc)
        for m in EXPRESSION.finditer(text)
    ]


def check_checkout_credentials(name: str, doc) -> list[Problem]:
    out = []
    for job_id, job in jobs(doc).items():
        for step in steps(job):
            if str(step.get("uses", "")).startswith("actions/checkout@"):
                with_ = step.get("with") or {}
                if with_.get("persist-credentials") is not False:
                    out.append(
                        Problem(
                            name,
                            _line(step, "uses"),
                            "credentials",
                            f"checkout in job `{job_id}` without `persist-credentials: false`",
                        )
                    )
    return out


def _shoptet_secrets(job) -> set[str]:
    return {s for s in SECRET_REF.findall(_text(job)) if s != "GITHUB_TOKEN"}


def check_secrets(name: str, doc) -> list[Problem]:
    out = []
    whole = _text(doc)
    if re.search(r"secrets\s*\[", whole) or re.search(r"toJSON\(\s*secrets\s*\)", whole):
        out.append(Problem(name, 1, "secrets", "the whole secrets context is exposed"))
    pr_triggered = bool({"pull_request", "pull_request_target"} & triggers(doc))
    for job_id, job in jobs(doc).items():
        line = _line(doc["jobs"], job_id)
        # Secrets only in step-level env (not job env, not `with:` of an action).
        outside = dict(job)
        outside.pop("steps", None)
        for k in ("env",):
            if SECRET_REF.search(_text(outside.get(k))):
                out.append(
                    Problem(
                        name,
                        _line(job, k),
                        "secrets",
                        f"job `{job_id}` puts a secret in job-level `{k}`",
                    )
                )
        for step in steps(job):
            if SECRET_REF.search(_text(step.get("with"))):
                out.append(
                    Problem(
                        name,
                        _line(step, "with"),
                        "secrets",
                        f"job `{job_id}` passes a secret in `with:` to an action",
                    )
                )
        used = _shoptet_secrets(job)
        if not used or _is_call(job):  # calls: check_calls
            continue
        env = job.get("environment")
        env_name = str(env.get("name") if isinstance(env, dict) else env or "")
        if not env_name:
            out.append(
                Problem(
                    name,
                    line,
                    "secrets",
                    f"job `{job_id}` uses {sorted(used)} without an environment",
                )
            )
        if WRITE_TOKEN in used:
            if not env_name.startswith(APPLY_ENVIRONMENT):
                out.append(
                    Problem(
                        name,
                        line,
                        "secrets",
                        f"job `{job_id}` uses the write token outside an "
                        f"`{APPLY_ENVIRONMENT}*` environment",
                    )
                )
            if pr_triggered:
                out.append(
                    Problem(
                        name,
                        line,
                        "secrets",
                        f"job `{job_id}` uses the write token in a workflow that "
                        "pull requests trigger",
                    )
                )
        elif env_name.startswith(APPLY_ENVIRONMENT) and pr_triggered:
            out.append(
                Problem(
                    name,
                    line,
                    "secrets",
                    f"job `{job_id}` binds an apply environment on a pull request",
                )
            )
    return out


def _needs(job) -> list[str]:
    needs = job.get("needs") or []
    return [needs] if isinstance(needs, str) else [str(n) for n in needs]


def check_references(name: str, doc) -> list[Problem]:
    out = []
    all_jobs = jobs(doc)
    for job_id, job in all_jobs.items():
        line = _line(doc["jobs"], job_id)
        exprs = " ".join(m.group(1) for m in EXPRESSION.finditer(_text(job)))
        exprs += " " + str(job.get("if", ""))  # `if:` may omit ${{ }}
        for step in steps(job):
            exprs += " " + str(step.get("if", ""))
        needs = _needs(job)
        for other in needs:
            if other not in all_jobs:
                out.append(
                    Problem(name, line, "references", f"job `{job_id}` needs unknown job `{other}`")
                )
        for other, output in re.findall(r"\bneeds\.([\w-]+)(?:\.outputs\.([\w-]+))?", exprs):
            if other not in needs:
                out.append(
                    Problem(
                        name,
                        line,
                        "references",
                        f"job `{job_id}` reads `needs.{other}` without needing it",
                    )
                )
            elif output and output not in (all_jobs[other].get("outputs") or {}):
                out.append(
                    Problem(
                        name,
                        line,
                        "references",
                        f"job `{job_id}` reads `needs.{other}.outputs.{output}`, "
                        "which that job does not declare",
                    )
                )
        ids = {str(s["id"]) for s in steps(job) if "id" in s}
        outputs_text = " ".join(m.group(1) for m in EXPRESSION.finditer(_text(job.get("outputs"))))
        for step_id in re.findall(r"\bsteps\.([\w-]+)", exprs + " " + outputs_text):
            if step_id not in ids:
                out.append(
                    Problem(
                        name,
                        line,
                        "references",
                        f"job `{job_id}` reads `steps.{step_id}`, no such step id",
                    )
                )
        if re.search(r"\bmatrix\.", exprs) and "matrix" not in (job.get("strategy") or {}):
            out.append(
                Problem(
                    name, line, "references", f"job `{job_id}` reads `matrix` but has no matrix"
                )
            )
    return out


REMOTE_CALL = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+/(\.github/workflows/[^@/]+)@\S+$")
EXPLICIT_SECRET = re.compile(r"^\$\{\{\s*secrets\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}$")
PERMISSION_RANK = {"none": 0, "read": 1, "write": 2}


def resolve_call(ref: str, caller: Path, reusable_dir: Path | None = None) -> Path | None:
    """The file a job-level ``uses:`` names: ``./.github/workflows/X`` in the caller's repository
    (the nearest parent holding it), ``OWNER/REPO/.github/workflows/X@ref`` in ``reusable_dir``."""
    ref = ref.strip()
    if ref.startswith("./"):
        for parent in caller.resolve().parents:
            if (parent / ref[2:]).is_file():
                return parent / ref[2:]
        return None
    m = REMOTE_CALL.match(ref)
    if m and reusable_dir is not None:
        target = reusable_dir / Path(m.group(1)).name
        return target if target.is_file() else None
    return None


def call_inputs(doc) -> dict:
    on = doc.get("on")
    call = on.get("workflow_call") if isinstance(on, dict) else None
    return dict((call or {}).get("inputs") or {})


def call_secrets(doc) -> dict:
    on = doc.get("on")
    call = on.get("workflow_call") if isinstance(on, dict) else None
    return dict((call or {}).get("secrets") or {})


def _covers(ceiling, wanted) -> bool:
    ceiling = dict(ceiling or {})
    return all(
        PERMISSION_RANK.get(str(ceiling.get(scope, "none")), 0)
        >= PERMISSION_RANK.get(str(level), 0)
        for scope, level in dict(wanted or {}).items()
    )


def check_calls(name: str, doc, path: Path, reusable_dir: Path | None = None) -> list[Problem]:
    out = []
    pr_triggered = bool({"pull_request", "pull_request_target"} & triggers(doc))
    for job_id, job in jobs(doc).items():
        if not _is_call(job):
            continue
        line = _line(job, "uses")
        secrets = job.get("secrets")
        if secrets == "inherit":
            out.append(
                Problem(
                    name,
                    _line(job, "secrets"),
                    "calls",
                    f"job `{job_id}` passes `secrets: inherit`; pass each secret by name",
                )
            )
            secrets = {}
        secrets = dict(secrets or {})
        for key, value in secrets.items():
            m = EXPLICIT_SECRET.match(str(value).strip())
            if not m or m.group(1) != str(key):
                out.append(
                    Problem(
                        name,
                        _line(job, "secrets"),
                        "calls",
                        f"job `{job_id}` passes `{key}` as `{value}`; pass "
                        f"`${{{{ secrets.{key} }}}}` under its own name",
                    )
                )
        if pr_triggered and WRITE_TOKEN in secrets:
            out.append(
                Problem(
                    name,
                    line,
                    "calls",
                    f"job `{job_id}` passes the write token in a workflow that pull "
                    "requests trigger",
                )
            )
        target = resolve_call(str(job["uses"]), path, reusable_dir)
        if target is None:
            out.append(
                Problem(
                    name,
                    line,
                    "calls",
                    f"job `{job_id}` calls `{job['uses']}`, which is no reusable workflow "
                    "of this repository",
                )
            )
            continue
        called = load(target)
        inputs = call_inputs(called)
        given = dict(job.get("with") or {})
        for key in given:
            if key not in inputs:
                out.append(
                    Problem(
                        name,
                        _line(job, "with"),
                        "calls",
                        f"job `{job_id}` gives input `{key}`, which {target.name} does not declare",
                    )
                )
        for key, spec in inputs.items():
            if (spec or {}).get("required") and key not in given:
                out.append(
                    Problem(
                        name,
                        line,
                        "calls",
                        f"job `{job_id}` does not give the required input `{key}` of {target.name}",
                    )
                )
        declared = call_secrets(called)
        for key in secrets:
            if key not in declared:
                out.append(
                    Problem(
                        name,
                        _line(job, "secrets"),
                        "calls",
                        f"job `{job_id}` passes secret `{key}`, which {target.name} does "
                        "not declare",
                    )
                )
        for called_id, called_job in jobs(called).items():
            if not _covers(job.get("permissions"), called_job.get("permissions")):
                out.append(
                    Problem(
                        name,
                        _line(job, "permissions"),
                        "calls",
                        f"job `{job_id}` grants less than {target.name}'s job "
                        f"`{called_id}` needs ({dict(called_job.get('permissions') or {})})",
                    )
                )
            env = called_job.get("environment")
            env_name = str(env.get("name") if isinstance(env, dict) else env or "")
            if pr_triggered and env_name.startswith(APPLY_ENVIRONMENT):
                out.append(
                    Problem(
                        name,
                        line,
                        "calls",
                        f"job `{job_id}` calls {target.name}, whose job `{called_id}` "
                        "binds an apply environment, from a workflow that pull requests "
                        "trigger",
                    )
                )
    return out


def check_file(path: Path, reusable_dir: Path | None = None) -> list[Problem]:
    """Every rule above, for one workflow file. ``reusable_dir`` holds the reusable workflows
    that ``OWNER/REPO/.github/workflows/X@ref`` calls stand for (a generated catalog repository's
    calls checked against this repository's files)."""
    name = path.name
    raw = path.read_text(encoding="utf-8")
    doc = load(path)
    if not isinstance(doc, dict) or "jobs" not in doc:
        return [Problem(name, 1, "structure", "not a workflow (no `jobs`)")]
    return sorted(
        check_triggers(name, doc)
        + check_permissions(name, doc)
        + check_pins(name, doc, raw.splitlines())
        + check_injection(name, doc)
        + check_checkout_credentials(name, doc)
        + check_secrets(name, doc)
        + check_references(name, doc)
        + check_calls(name, doc, path, reusable_dir)
    )
