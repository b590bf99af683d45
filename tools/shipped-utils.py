"""What each module ships: the module_utils files AnsiballZ packs with it, and their lines.

Like Ansible's own finder, every import anywhere in a file counts (lazy imports inside
functions included), recursively, and importing ``pkg.mod`` also packs ``pkg/__init__.py``.

    python3 tools/shipped-utils.py          a markdown table, one row per module
    python3 tools/shipped-utils.py --files  the files of each module too
    python3 tools/shipped-utils.py --max-lines 700 --max-main 30
                                            also fail when a module_utils file is longer than
                                            700 lines or a module's main() longer than 30 lines
"""

import argparse
import ast
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PREFIX = 'ansible_collections.berth.docker.plugins.module_utils'
UTILS = os.path.join(ROOT, 'plugins', 'module_utils')
MODULES = os.path.join(ROOT, 'plugins', 'modules')


def util_path(dotted):
    """'compose.labels' -> the file it names (a module or a package's __init__), or None."""
    base = os.path.join(UTILS, *dotted.split('.'))
    for candidate in (base + '.py', os.path.join(base, '__init__.py')):
        if os.path.isfile(candidate):
            return candidate
    return None


def imported_utils(path):
    """The dotted module_utils names a file imports, anywhere in it."""
    with open(path) as handle:
        tree = ast.parse(handle.read(), path)
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module] + ['%s.%s' % (node.module, alias.name) for alias in node.names]
        else:
            continue
        for name in names:
            if name == PREFIX or not name.startswith(PREFIX + '.'):
                continue
            parts = name[len(PREFIX) + 1:].split('.')
            for depth in range(1, len(parts) + 1):  # a package's __init__ is packed with its modules
                dotted = '.'.join(parts[:depth])
                if util_path(dotted):
                    found.add(dotted)
    return found


def shipped(module_path):
    """{dotted name: file} of every module_utils file packed with the module."""
    todo, seen = list(imported_utils(module_path)), {}
    while todo:
        dotted = todo.pop()
        if dotted in seen:
            continue
        seen[dotted] = util_path(dotted)
        todo.extend(imported_utils(seen[dotted]) - set(seen))
    return seen


def lines(path):
    with open(path) as handle:
        return len(handle.readlines())


def main_length(module_path):
    with open(module_path) as handle:
        tree = ast.parse(handle.read(), module_path)
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == 'main':
            return node.end_lineno - node.lineno + 1
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--files', action='store_true', help='list the files of each module')
    parser.add_argument('--max-lines', type=int, help='fail when a module_utils file is longer')
    parser.add_argument('--max-main', type=int, help="fail when a module's main() is longer")
    args = parser.parse_args()
    failures = []
    print('| module | module_utils files | lines | main() lines |')
    print('|---|---:|---:|---:|')
    for name in sorted(os.listdir(MODULES)):
        if not name.endswith('.py') or name.startswith('_'):
            continue
        path = os.path.join(MODULES, name)
        files = shipped(path)
        total = sum(lines(f) for f in files.values())
        length = main_length(path)
        print('| %s | %d | %d | %d |' % (name[:-3], len(files), total, length))
        if args.files:
            print('|  | %s | | |' % ', '.join(sorted(files)))
        if args.max_main and length > args.max_main:
            failures.append('%s: main() has %d lines (at most %d)' % (name, length, args.max_main))
    if args.max_lines:
        for folder, _dirs, names in os.walk(UTILS):
            for name in names:
                path = os.path.join(folder, name)
                if name.endswith('.py') and lines(path) > args.max_lines:
                    failures.append('%s: %d lines (at most %d)' % (os.path.relpath(path, ROOT), lines(path), args.max_lines))
    for failure in sorted(failures):
        print(failure, file=sys.stderr)
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
