"""Rules have one home: no view, job or template changes a case's status or deadlines itself."""
import ast
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[2] / "app"
LIFECYCLE_FIELDS = {"status", "agency_id", "agency", "verified_at", "dispatched_at", "first_response_at",
                    "resolved_at", "closed_at", "verification_due", "first_response_due", "resolution_due",
                    "auto_close_due", "rating", "on_hold_since"}


def _python_files(*folders):
    for folder in folders:
        yield from (ROOT / folder).rglob("*.py")


def test_no_lifecycle_field_is_assigned_outside_the_workflow():
    offenders = []
    for path in _python_files("views", "jobs"):
        tree = ast.parse(path.read_text())
        for node in ast.walk(tree):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target] if isinstance(node, (ast.AugAssign, ast.AnnAssign)) else []
            for target in targets:
                if isinstance(target, ast.Attribute) and target.attr in LIFECYCLE_FIELDS:
                    offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} sets .{target.attr}")
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "setattr":
                offenders.append(f"{path.relative_to(ROOT)}:{node.lineno} uses setattr")
    assert offenders == []


def test_views_and_jobs_do_not_write_events_themselves():
    offenders = [str(p.relative_to(ROOT)) for p in _python_files("views", "jobs")
                 if re.search(r"ComplaintEvent\(", p.read_text())]
    assert offenders == []


def test_templates_do_not_decide_rules():
    offenders = []
    for path in (ROOT / "templates").rglob("*.html"):
        text = path.read_text()
        for rule in (r"\b(complaint|c|item|case|row)\.status\s*==", r"has_role", r"roles", r"is_confidential\s*%}", r"agency_id\s*=="):
            if re.search(rule, text):
                offenders.append(f"{path.relative_to(ROOT)}: {rule}")
    assert offenders == []


def test_nothing_imports_views():
    offenders = []
    for path in ROOT.rglob("*.py"):
        rel = path.relative_to(ROOT)
        if rel.parts[0] in ("views",) or rel.name == "__init__.py" and rel.parts == ("__init__.py",):
            continue
        if re.search(r"^\s*(from app\.views|import app\.views)", path.read_text(), re.M):
            offenders.append(str(rel))
    assert offenders == []
