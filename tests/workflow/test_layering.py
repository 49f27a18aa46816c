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


# --- the domain knows nothing of the web framework or the UI, and app/ has no import cycle ------

FORBIDDEN_IN_WORKFLOW = ("flask_appbuilder", "flask_login", "app.formatting", "app.labels", "app.views",
                         "app.jobs", "app.security", "app.permissions", "app.reports")


def _module_name(path):
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules():
    return {_module_name(path): path for path in ROOT.rglob("*.py")}


def _imports(path, module, modules):
    """Every import of ``path`` (module level AND inside functions), resolved to the module
    it loads: ``from app import stats`` -> ``app.stats``; ``from app.x import name`` -> ``app.x``."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update((alias.name, node.lineno) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.add((full if full in modules else base, node.lineno))
    return found


def _resolve(name, modules):
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _graph():
    modules = _modules()
    graph = {}
    for module, path in modules.items():
        targets = {_resolve(name, modules) for name, _line in _imports(path, module, modules)
                   if name == "app" or name.startswith("app.")}
        graph[module] = sorted(t for t in targets if t and t != module)
    return graph


def test_workflow_imports_neither_the_web_framework_nor_the_ui():
    modules = _modules()
    offenders = []
    for module, path in modules.items():
        if not module.startswith("app.workflow"):
            continue
        for name, line in _imports(path, module, modules):
            if any(name == bad or name.startswith(bad + ".") for bad in FORBIDDEN_IN_WORKFLOW):
                offenders.append(f"{path.relative_to(ROOT.parent)}:{line} imports {name}")
    assert offenders == []


def _cycles(graph):
    """Strongly connected components with more than one module (Tarjan), plus self-loops."""
    index, low, stack, on_stack, result, counter = {}, {}, [], set(), [], [0]

    def visit(node):
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                result.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return result


def test_no_import_cycle_inside_app():
    graph = _graph()
    cycles = _cycles(graph)
    described = [" <-> ".join(c) + "  (" + "; ".join(f"{m} -> {t}" for m in c for t in graph[m] if t in c) + ")"
                 for c in cycles]
    assert described == [], "import cycles (module-level and function-level imports alike):\n" + "\n".join(described)


def test_the_cycle_detector_finds_a_cycle():
    assert _cycles({"a": ["b"], "b": ["c"], "c": ["a"], "d": ["a"]}) == [["a", "b", "c"]]
    assert _cycles({"a": ["b"], "b": []}) == []


# --- one home each: the installation's settings are read through app.settings.setting ----------


def _is_config(node):
    return (isinstance(node, ast.Attribute) and node.attr == "config"
            and isinstance(node.value, ast.Name) and node.value.id == "current_app")


def _reads_config_by_name(node, names):
    """``current_app.config[name]`` or ``current_app.config.get(name, ...)`` with ``name`` a parameter."""
    for n in ast.walk(node):
        if isinstance(n, ast.Subscript) and _is_config(n.value):
            key = n.slice
        elif isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "get" \
                and _is_config(n.func.value) and n.args:
            key = n.args[0]
        else:
            continue
        if isinstance(key, ast.Name) and key.id in names:
            return True
    return False


def test_one_config_helper():
    """A function whose whole work is returning ``current_app.config[...]`` (however converted) is a
    second config helper: it belongs in app/settings.py, which every module imports."""
    offenders = []
    for path in ROOT.rglob("*.py"):
        if path == ROOT / "settings.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            body = [s for s in node.body if not (isinstance(s, ast.Expr) and isinstance(s.value, ast.Constant))]
            names = {a.arg for a in node.args.args}
            if len(body) == 1 and isinstance(body[0], ast.Return) and body[0].value is not None \
                    and _reads_config_by_name(body[0].value, names):
                offenders.append(f"{path.relative_to(ROOT.parent)}:{node.lineno} {node.name}()")
    assert offenders == [], "config helpers besides app.settings.setting: " + ", ".join(offenders)
