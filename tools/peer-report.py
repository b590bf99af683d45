"""Run community.docker's own integration test files against berth.docker and print the results.

    .venv/bin/python tools/peer-report.py                      # every unit, then the table
    .venv/bin/python tools/peer-report.py --target docker_container --file options.yml
    .venv/bin/python tools/peer-report.py --last               # the table of the last saved runs
    .venv/bin/python tools/peer-report.py --failures           # also list every failed task and why
    .venv/bin/python tools/peer-report.py --update-known-failures   # rewrite tests/peer/known_failures.yml

See docs/peer-tests.md. Results are saved under tests/output/peer/ (one JSON file per unit).
"""

import argparse
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

import yaml  # noqa: E402

from tests.support import peer  # noqa: E402


def selected(args):
    chosen = []
    for target, path, minimum in peer.units(with_prune=args.prune or None):
        if args.target and target != args.target:
            continue
        if args.file and path.split('/')[-1] != args.file:
            continue
        chosen.append((target, path, minimum))
    return chosen


def table(results):
    rows = [('file', 'passed/total', 'failed', 'skipped', 'not run', 'task seconds')]
    totals = [0, 0, 0, 0, 0, 0.0]
    for res in results:
        total = len(res['tasks'])
        rows.append((res['unit'], '%d/%d' % (res['passed'], total), str(res['failed']), str(res['skipped']),
                     str(res['not-run']), '%.0f' % res['seconds']))
        for i, value in enumerate((res['passed'], total, res['failed'], res['skipped'], res['not-run'],
                                   res['seconds'])):
            totals[i] += value
    rows.append(('TOTAL', '%d/%d' % (totals[0], totals[1]), str(totals[2]), str(totals[3]), str(totals[4]),
                 '%.0f' % totals[5]))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = []
    for n, row in enumerate(rows):
        lines.append(' | '.join(cell.ljust(widths[i]) for i, cell in enumerate(row)))
        if n == 0 or n == len(rows) - 2:
            lines.append('-+-'.join('-' * w for w in widths))
    return '\n'.join(lines)


def markdown(results):
    """The sections of docs/peer-tests.md: results table, rewrites, known failures."""
    out = ['| file | passed/total | failed | skipped | not run | task seconds |', '|---|---|---|---|---|---|']
    for res in results:
        cells = (res['unit'], res['passed'], len(res['tasks']), res['failed'], res['skipped'], res['not-run'],
                 res['seconds'])
        out.append('| %s | %d/%d | %d | %d | %d | %.0f |' % cells)
    out += ['', '| target | wall-clock seconds |', '|---|---|']
    by_target = {}
    for res in results:
        by_target.setdefault(res['target'], res.get('target_seconds', res['seconds']))
    out += ['| %s | %.0f |' % item for item in by_target.items()]
    out += ['', '### Rewritten assertions', '']
    for res in results:
        for rewrite in res['rewrites']:
            out.append('- `%s` line %s (%s): `%s` became `%s`' % (
                res['unit'], rewrite['line'], rewrite['task'], ' '.join(rewrite['original'].split()),
                ' '.join(rewrite['rewritten'].split())))
    out += ['', '### Failing tasks', '']
    for res in results:
        failing = [(k, t) for k, t in res['tasks'].items() if t['status'] in ('failed', 'not-run')]
        if failing:
            out.append('- `%s`:' % res['unit'])
            out += ['  - %s: %s' % (key, (t['reason'] or t['status']).replace('|', '/')) for key, t in failing]
    return '\n'.join(out)


def update_known_failures(results):
    """Known failures := the failed tasks of ``results``; reasons already written by hand are kept,
    new entries get the task's failure message."""
    known = peer.known_failures()
    for res in results:
        old = known.get(res['unit']) or {}
        new = {}
        for key, task in res['tasks'].items():
            if task['status'] == 'failed':
                new[key] = old.get(key) or task['reason'] or 'failed'
            elif task['status'] == 'not-run':
                new[key] = old.get(key) or 'not reached: an include before it failed or the play stopped'
        if new:
            known[res['unit']] = new
        else:
            known.pop(res['unit'], None)
    with open(peer.KNOWN_FAILURES, 'w') as handle:
        handle.write('# Tasks of the peer files (community.docker %s, see docs/peer-tests.md) that fail against\n'
                     '# berth.docker today, per unit: "L<line> <task name>": why. Regenerate with\n'
                     '# `tools/peer-report.py --update-known-failures` after a full run.\n' % peer.PEER_VERSION)
        yaml.safe_dump(dict(sorted(known.items())), handle, sort_keys=False, width=1000, allow_unicode=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--target', help='one peer target, e.g. docker_container')
    parser.add_argument('--file', help='one test file of the target, e.g. options.yml (main.yml for targets without tests/)')
    parser.add_argument('--last', action='store_true', help='do not run: print the last saved results')
    parser.add_argument('--failures', action='store_true', help='list every failed or not reached task with its message')
    parser.add_argument('--markdown', action='store_true', help='print the tables of docs/peer-tests.md instead')
    parser.add_argument('--prune', action='store_true', help='include docker_prune (prunes the whole engine!)')
    parser.add_argument('--update-known-failures', action='store_true',
                        help='write the failed tasks of these results into tests/peer/known_failures.yml')
    args = parser.parse_args()

    results = []
    chosen = selected(args)
    if args.last:
        for target, path, _minimum in chosen:
            res = peer.load_saved(peer.unit_id(target, path))
            if res is None:
                print('%s: no saved result' % peer.unit_id(target, path), file=sys.stderr)
            else:
                results.append(res)
    else:
        targets = []
        for target, _path, _minimum in chosen:
            if target not in targets:
                targets.append(target)
        for target in targets:
            paths = [path for t, path, _minimum in chosen if t == target]
            print('running %s (%s) ...' % (target, ', '.join(p.split('/')[-1] for p in paths)),
                  file=sys.stderr, flush=True)
            runs = peer.run_target(target, paths)
            print('  %.0f s' % list(runs.values())[0]['target_seconds'], file=sys.stderr, flush=True)
            results += [runs[peer.unit_id(target, path)] for path in paths]

    if args.markdown:
        print(markdown(results))
        return
    print(table(results))
    by_target = {}
    for res in results:
        by_target.setdefault(res['target'], res.get('target_seconds', res['seconds']))
    print('\nwall-clock seconds per target (one playbook each, setup and cleanup included): %s; total %.0f' % (
        ', '.join('%s %.0f' % item for item in by_target.items()), sum(by_target.values())))
    known = peer.known_failures()
    if args.failures:
        for res in results:
            for key, task in res['tasks'].items():
                if task['status'] in ('failed', 'not-run'):
                    mark = 'known' if key in (known.get(res['unit']) or {}) else 'NEW'
                    print('%s %s: %s %s: %s' % (mark, res['unit'], task['status'], key, task['reason']))
    rewrites = [(res['unit'], r) for res in results for r in res['rewrites']]
    if rewrites:
        print('\nassertions on the peer\'s message wording, rewritten to "the task failed":')
        for unit, rewrite in rewrites:
            was = ' '.join(rewrite['original'].split())
            now = ' '.join(rewrite['rewritten'].split())
            print('- %s L%s %s\n    was: %s\n    now: %s' % (unit, rewrite['line'], rewrite['task'], was, now))
    print('\nnot run: ' + '; '.join('%s (%s)' % item for item in sorted(peer.NOT_RUN.items())))
    if args.update_known_failures:
        update_known_failures(results)
        print('\nwrote %s' % os.path.relpath(peer.KNOWN_FAILURES, ROOT))


if __name__ == '__main__':
    main()
