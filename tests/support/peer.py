"""The peer tier: community.docker's own integration test files, run against berth.docker.

Nothing of community.docker is kept in this repository. At test time :func:`fetch` downloads the
pinned ``ansible`` sdist from PyPI (it bundles community.docker together with its
tests/integration/targets), extracts only ``ansible_collections/community/docker`` into
``.berth/peer-src/`` (git-ignored) and reuses that copy on later runs.

A *unit* is one file under a target's ``tasks/tests/`` (or the target's ``tasks/main.yml`` when it
has no such directory). :func:`run_target` runs the units of one target in one playbook, as the peer
does:

* it copies the target into a temporary directory as a role, rewriting every task file on parsed YAML:
  ``community.docker.docker_X`` / ``docker_X`` module names (task keys and ``module_defaults``) become
  ``berth.docker.X`` (a module we do not have becomes a failing task); every task gets
  ``ignore_errors: true`` (so one failure does not stop the rest) and a ``[file:line]`` tag in its
  name (so its real status is recorded per task, by tests/support/callback/berth_peer.py); assertions
  on the exact wording of the peer's error messages become ``<result> is failed`` (see
  :func:`rewrite_condition`; each rewrite is listed in the result);
* it narrows the target's ``with_fileglob: tests/*.yml`` loop to the units asked for, keeping the
  target's own setup and cleanup (``always:``) around them;
* it supplies the variables the peer's setup roles would set (engine API and CLI versions, test image
  names, ``remote_tmp_dir``), builds local stand-ins for the test images and starts local registries
  where a target needs one;
* it runs ``ansible-playbook``, removes whatever carries the run's name prefix afterwards, and counts
  each unit's tasks: passed, failed, skipped, not reached.
"""

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import uuid

import yaml

from tests.support import docker_cli, images
from tests.support.ansible_run import ROOT, ansible_env

ANSIBLE_SDIST = 'ansible==12.3.0'
SDIST_NAME = 'ansible-12.3.0.tar.gz'
SDIST_SHA256 = '02721f6fb432ddd47f1044ac49b04b5e9ae08890bd427def8df3db1607aeec51'
PEER_VERSION = '4.8.5'  # community.docker inside that sdist
CACHE = os.path.join(ROOT, '.berth', 'peer-src')
PEER_ROOT = os.path.join(CACHE, 'ansible-12.3.0', 'ansible_collections', 'community', 'docker')
TARGETS_DIR = os.path.join(PEER_ROOT, 'tests', 'integration', 'targets')
OUTPUT = os.path.join(ROOT, 'tests', 'output', 'peer')
KNOWN_FAILURES = os.path.join(ROOT, 'tests', 'peer', 'known_failures.yml')

# The units, in run order, with the least number of tasks each must run (a guard against a rewrite or
# setup mistake that silently runs nothing). docker_prune is left out by default: its "prune
# everything" tasks remove every stopped container, unused network and volume and the build cache of
# the whole engine (other tests' too); BERTH_PEER_PRUNE=1 adds it.
UNITS = [
    ('docker_container', 'tests/comparisons.yml', 30),
    ('docker_container', 'tests/compatibility.yml', 5),
    ('docker_container', 'tests/healthy.yml', 5),
    ('docker_container', 'tests/image-ids.yml', 5),
    ('docker_container', 'tests/mounts-volumes.yml', 40),
    ('docker_container', 'tests/network.yml', 40),
    ('docker_container', 'tests/options.yml', 400),
    ('docker_container', 'tests/ports.yml', 30),
    ('docker_container', 'tests/regression-45700-dont-parse-on-absent.yml', 3),
    ('docker_container', 'tests/start-stop.yml', 40),
    ('docker_container', 'tests/update.yml', 10),
    ('docker_container_info', 'main.yml', 5),
    ('docker_container_copy_into', 'tests/content.yml', 50),
    ('docker_container_copy_into', 'tests/file.yml', 50),
    ('docker_host_info', 'main.yml', 20),
    ('docker_image', 'tests/basic.yml', 10),
    ('docker_image', 'tests/docker_image.yml', 10),
    ('docker_image', 'tests/options.yml', 20),
    ('docker_image_info', 'main.yml', 5),
    ('docker_image_export', 'tests/basic.yml', 3),
    ('docker_image_load', 'tests/basic.yml', 10),
    ('docker_image_pull', 'tests/basic.yml', 10),
    ('docker_image_pull', 'tests/image-ids.yml', 3),
    ('docker_image_pull', 'tests/registry.yml', 3),
    ('docker_image_remove', 'main.yml', 10),
    ('docker_image_tag', 'main.yml', 10),
    ('docker_login', 'tests/docker_login.yml', 5),
    ('docker_login', 'tests/multiple-servers.yml', 3),
    ('docker_network', 'tests/basic.yml', 10),
    ('docker_network', 'tests/ipam.yml', 20),
    ('docker_network', 'tests/options.yml', 15),
    ('docker_network', 'tests/substring.yml', 3),
    ('docker_network_info', 'main.yml', 5),
    ('docker_volume', 'tests/basic.yml', 15),
    ('docker_volume_info', 'main.yml', 5),
]
PRUNE_UNIT = ('docker_prune', 'main.yml', 5)
# left out entirely, with the reason (docs/peer-tests.md lists them)
NOT_RUN = {
    'docker_network/tests/overlay.yml': 'needs a swarm (docker_swarm), out of scope',
    'docker_image_build/tests/options.yml': 'needs the docker CLI buildx plugin, not installed here (the peer skips it then too)',
    'docker_prune/main.yml': 'prunes the whole engine; runs only with BERTH_PEER_PRUNE=1 (or --prune)',
}


def units(with_prune=None):
    """The units to run: all of UNITS, or only the targets named in BERTH_PEER_TARGETS (comma
    separated), plus docker_prune with BERTH_PEER_PRUNE=1."""
    if with_prune is None:
        with_prune = os.environ.get('BERTH_PEER_PRUNE') == '1'
    chosen = UNITS + ([PRUNE_UNIT] if with_prune else [])
    wanted = [t.strip() for t in os.environ.get('BERTH_PEER_TARGETS', '').split(',') if t.strip()]
    if wanted:
        chosen = [u for u in chosen if u[0] in wanted]
    return chosen


def unit_id(target, path):
    """``docker_container/options.yml`` for tests/options.yml, ``docker_prune/main.yml``."""
    return '%s/%s' % (target, path.split('/')[-1])


# ---------------------------------------------------------------------------------------------- fetch

def fetch():
    """The extracted community.docker directory, downloaded and unpacked on the first call."""
    if os.path.isdir(TARGETS_DIR):
        return PEER_ROOT
    os.makedirs(CACHE, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix='berth-peer-dl-') as tmp:
        subprocess.run([sys.executable, '-m', 'pip', 'download', '-q', '--no-deps', '--no-binary', ':all:',
                        '-d', tmp, ANSIBLE_SDIST], check=True)
        sdist = os.path.join(tmp, SDIST_NAME)
        with open(sdist, 'rb') as handle:
            digest = hashlib.sha256(handle.read()).hexdigest()
        if digest != SDIST_SHA256:
            raise RuntimeError('%s: sha256 %s, expected %s' % (SDIST_NAME, digest, SDIST_SHA256))
        member_prefix = 'ansible-12.3.0/ansible_collections/community/docker/'
        staging = tempfile.mkdtemp(prefix='peer-', dir=CACHE)
        with tarfile.open(sdist) as tar:
            members = [m for m in tar.getmembers()
                       if m.name.startswith(member_prefix) and (m.isfile() or m.isdir())]
            kwargs = {'filter': 'data'} if hasattr(tarfile, 'data_filter') else {}
            tar.extractall(staging, members=members, **kwargs)
        with open(os.path.join(staging, 'ansible-12.3.0', 'SHA256'), 'w') as handle:
            handle.write('%s  %s\n' % (digest, SDIST_NAME))
        os.replace(os.path.join(staging, 'ansible-12.3.0'), os.path.join(CACHE, 'ansible-12.3.0'))
        shutil.rmtree(staging, ignore_errors=True)
    return PEER_ROOT


# -------------------------------------------------------------------------------------- stand-in images

# the peer's test image names (setup_docker/vars/main.yml) and the stand-ins built for them: all FROM the
# local busybox; different labels so that every name has its own image ID
HEALTH_SCRIPT = """#!/bin/sh
# first argument: how long to run; second: after how long the health check starts to pass
( sleep "${2:-100d}"; touch /healthy ) &
exec sleep "${1:-10m}"
"""
HELLO_SCRIPT = """#!/bin/sh
echo 'Hello from the berth.docker stand-in for hello-world.'
"""
STAND_INS = {
    'quay.io/ansible/docker-test-containers:alpine3.8': 'LABEL org.berth.peer=alpine3.8\nCMD ["/bin/sh"]\n',
    'quay.io/ansible/docker-test-containers:alpine3.7': 'LABEL org.berth.peer=alpine3.7\nCMD ["/bin/sh"]\n',
    'quay.io/ansible/docker-test-containers:busybox': 'LABEL org.berth.peer=busybox\nCMD ["/bin/sh"]\n',
    'quay.io/ansible/docker-test-containers:hello-world': (
        'COPY hello /hello\nRUN chmod +x /hello\nLABEL org.berth.peer=hello-world\nCMD ["/hello"]\n'),
    'quay.io/ansible/docker-test-containers:nginx-alpine': (
        'RUN mkdir -p /www && echo nginx-stand-in > /www/index.html\nENV NGINX_VERSION=stand-in\n'
        'LABEL org.berth.peer=nginx-alpine maintainer=berth\nEXPOSE 80\n'
        'CMD ["httpd", "-f", "-p", "80", "-h", "/www"]\n'),
    'ghcr.io/ansible-collections/healthcheck:check': (
        'COPY health /health\nRUN chmod +x /health\nLABEL org.berth.peer=healthcheck\n'
        'HEALTHCHECK --interval=1s --timeout=1s --retries=1 CMD test -e /healthy\n'
        'ENTRYPOINT ["/health"]\nCMD ["10m"]\n'),
    'ghcr.io/ansible-collections/simple-1:tag': 'LABEL org.berth.peer=simple-1\nCMD ["/bin/sh"]\n',
    'ghcr.io/ansible-collections/simple-2:tag': 'LABEL org.berth.peer=simple-2\nCMD ["/bin/sh"]\n',
}
# a shell or sleep as PID 1 ignores SIGTERM: without this every stop would wait for the 10 s timeout
# (the revision label makes ensure_images rebuild stand-ins of an older definition)
# the directories and users the tests expect of an alpine image (/root as working directory, user nobody)
ALPINE_LIKE = ("RUN mkdir -p /etc /root /tmp /home && chmod 1777 /tmp && "
               "printf 'root:x:0:0:root:/root:/bin/sh\\nnobody:x:65534:65534:nobody:/:/bin/false\\n' > /etc/passwd && "
               "printf 'root:x:0:\\nnobody:x:65534:\\n' > /etc/group\n")
STAND_IN_REVISION = '3'
STAND_INS = {name: 'STOPSIGNAL SIGKILL\n%sLABEL org.berth.peer.revision=%s\n%s' % (ALPINE_LIKE, STAND_IN_REVISION, body)
             for name, body in STAND_INS.items()}
STAND_IN_FILES = {'hello': HELLO_SCRIPT.encode(), 'health': HEALTH_SCRIPT.encode()}


# No registry is reachable and no test may send traffic beyond this machine: the test image names
# get a registry part that the engine can only reach on the loopback, where nothing listens. A task
# that really pulls (pull: always, a digest, docker_image_pull) then fails at once instead of
# reaching out to quay.io or ghcr.io.
LOCAL_REGISTRY = '127.0.0.1:9'
REMOTE_REGISTRIES = ('quay.io/', 'ghcr.io/')


def local_name(name):
    for registry in REMOTE_REGISTRIES:
        if name.startswith(registry):
            return LOCAL_REGISTRY + '/' + name[len(registry):]
    return name


def ensure_images():
    """Build the stand-ins that are missing (tests remove some of them; the build cache makes a
    rebuild take a fraction of a second)."""
    base = images.ensure_busybox()
    for tag, body in STAND_INS.items():
        found = docker_cli.inspect('image', local_name(tag))
        labels = ((found or {}).get('Config') or {}).get('Labels') or {}
        if labels.get('org.berth.peer.revision') != STAND_IN_REVISION:
            images._build(local_name(tag), 'FROM %s\n%s' % (base, body), STAND_IN_FILES)


# ---------------------------------------------------------------------------------------------- rewrite

MODULE_NAMES = {'container_exec': 'exec'}  # docker_X -> berth.docker.X unless listed here
TASK_KEYWORDS = {
    'name', 'register', 'when', 'loop', 'loop_control', 'ignore_errors', 'failed_when', 'changed_when',
    'diff', 'check_mode', 'vars', 'tags', 'delegate_to', 'delegate_facts', 'run_once', 'notify', 'become',
    'become_user', 'environment', 'no_log', 'until', 'retries', 'delay', 'args', 'module_defaults',
    'debugger', 'throttle', 'any_errors_fatal', 'connection', 'async', 'poll', 'ignore_unreachable',
    'collections', 'listen', 'timeout',
}
INCLUDES = {'include_tasks', 'import_tasks', 'include_role', 'import_role', 'ansible.builtin.include_tasks',
            'ansible.builtin.import_tasks', 'ansible.builtin.include_role', 'ansible.builtin.import_role',
            'meta', 'ansible.builtin.meta'}
PEER_MODULE = re.compile(r'^(?:community\.(?:docker|general)\.)?docker_([a-z0-9_]+)$')

# an assertion on the wording of the peer's messages: a literal compared with <var>.msg
_LIT = r'''(?:'[^']*'|"[^"]*"|\([^()]*\))'''
_MSG_PATTERNS = [
    re.compile(r'(?<!not )' + _LIT + r'\s+in\s+(\w+)\.msg\b(?!\s*\|)'),
    re.compile(r'(\w+)\.msg\s*==\s*' + _LIT),
    re.compile(_LIT + r'\s*==\s*(\w+)\.msg\b'),
    re.compile(r'(\w+)\.msg\.startswith\(' + _LIT + r'\)'),
    re.compile(r'(\w+)\.msg\s+in\s+\[[^\]]*\]'),
]


RANDOM_PREFIXES = ('ansible-docker-test-', 'ansible-volume-', 'ansible-network-')


class _LineLoader(yaml.SafeLoader):
    """SafeLoader that remembers the line of every mapping (as ``__line__``)."""


def _construct_mapping(loader, node, deep=False):
    mapping = yaml.SafeLoader.construct_mapping(loader, node, deep=deep)
    mapping['__line__'] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _strip_lines(data):
    if isinstance(data, dict):
        return {k: _strip_lines(v) for k, v in data.items() if k != '__line__'}
    if isinstance(data, list):
        return [_strip_lines(v) for v in data]
    return data


def berth_module(key):
    """``berth.docker.X`` for a peer module name (task key), else None."""
    match = PEER_MODULE.match(key) if isinstance(key, str) else None
    if not match:
        return None
    short = match.group(1)
    return 'berth.docker.' + MODULE_NAMES.get(short, short)


def module_exists(fqcn):
    return os.path.exists(os.path.join(ROOT, 'plugins', 'modules', fqcn.split('.')[-1] + '.py'))


def rewrite_condition(cond):
    """``cond`` with every comparison against the wording of a peer message replaced by
    ``<var> is failed``; returns (new condition, changed?)."""
    new = cond
    for pattern in _MSG_PATTERNS:
        new = pattern.sub(lambda m: '%s is failed' % m.group(1), new)
    return new, new != cond


def _module_defaults(value):
    if isinstance(value, dict):
        return {(berth_module(k) or str(k).replace('group/community.docker.', 'group/berth.docker.')): v
                for k, v in value.items()}
    if isinstance(value, list):
        return [_module_defaults(v) for v in value]
    return value


def _task_action(task):
    for key in task:
        if key != '__line__' and key not in TASK_KEYWORDS and not key.startswith('with_'):
            return key
    return None


class Rewriter:
    """Rewrites the task files of one target; collects the per-task manifest and the assertion
    rewrites."""

    def __init__(self, target, prefix, replace=None):
        self.target = target
        self.prefix = prefix
        self.replace = dict(replace or {})
        self.manifest = {}   # task id -> {file, line, name, action, expect_failure}
        self.rewrites = []   # {file, line, task, original, rewritten}

    def rewrite_file(self, src, dst, rel, narrow_to=None):
        with open(src) as handle:
            text = handle.read()
        # the names the targets draw at random ('ansible-docker-test-%0x' % ...) get the unit's prefix,
        # so that the cleanup after the run finds them
        for peer_prefix in RANDOM_PREFIXES:
            text = text.replace(peer_prefix, self.prefix + '-')
        for old, new in self.replace.items():
            text = text.replace(old, new)
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506 - a SafeLoader subclass
        if isinstance(data, list):
            data = self._tasks(data, rel, False, narrow_to)
        with open(dst, 'w') as handle:
            yaml.safe_dump(_strip_lines(data), handle, sort_keys=False, width=1000)

    def _tasks(self, tasks, rel, expect_failure, narrow_to):
        out = []
        for task in tasks:
            if not isinstance(task, dict):
                out.append(task)
                continue
            task = dict(task)
            if 'module_defaults' in task:
                task['module_defaults'] = _module_defaults(task['module_defaults'])
            inherited = expect_failure or bool(task.get('ignore_errors'))
            if 'block' in task:
                for part in ('block', 'rescue', 'always'):
                    if part in task:
                        task[part] = self._tasks(task[part], rel, inherited, narrow_to)
                out.append(task)
                continue
            out.append(self._task(task, rel, inherited, narrow_to))
        return out

    def _task(self, task, rel, expect_failure, narrow_to):
        line = task.get('__line__')
        action = _task_action(task)
        new_action = berth_module(action)
        if new_action:
            if module_exists(new_action):
                task = {(new_action if k == action else k): v for k, v in task.items()}
            else:
                # a module berth.docker does not have (yet) would stop the whole playbook at parse time:
                # the task fails instead, and is counted
                task = {('ansible.builtin.fail' if k == action else k):
                        ({'msg': '%s does not exist' % new_action} if k == action else v) for k, v in task.items()}
            action = new_action
        if 'with_fileglob' in task and task['with_fileglob'] in (['tests/*.yml'], 'tests/*.yml'):
            # the target's loop over its test files, narrowed to the units asked for
            task['with_fileglob'] = list(narrow_to or [])
        if action in INCLUDES or (isinstance(action, str) and action.endswith(('include_tasks', 'import_tasks'))):
            return task
        name = task.get('name') or action or 'task'
        task_id = '%s:%s' % (rel, line)
        if action in ('assert', 'ansible.builtin.assert'):
            self._rewrite_assert(task, task_id, name, rel, line)
        self.manifest[task_id] = {'file': rel, 'line': line, 'name': str(name), 'action': action,
                                  'expect_failure': expect_failure}
        task['name'] = '%s [%s]' % (name, task_id)
        task['ignore_errors'] = True
        return task

    def _rewrite_assert(self, task, task_id, name, rel, line):
        action = 'assert' if 'assert' in task else 'ansible.builtin.assert'
        args = task[action]
        if not isinstance(args, dict) or 'that' not in args:
            return
        that = args['that']
        items = that if isinstance(that, list) else [that]
        new_items = []
        for item in items:
            if isinstance(item, str):
                new, changed = rewrite_condition(item)
                if changed:
                    self.rewrites.append({'file': rel, 'line': line, 'task': str(name),
                                          'original': item.strip(), 'rewritten': new.strip()})
                new_items.append(new)
            else:
                new_items.append(item)
        args = dict(args)
        args['that'] = new_items if isinstance(that, list) else new_items[0]
        task[action] = args


def prepare(target, paths, workdir, prefix, replace=None):
    """Write the rewritten target as role ``workdir/roles/<target>``; returns the Rewriter."""
    fetch()
    src = os.path.join(TARGETS_DIR, target)
    dst = os.path.join(workdir, 'roles', target)
    shutil.copytree(src, dst, ignore=shutil.ignore_patterns('meta', 'aliases'))
    rewriter = Rewriter(target, prefix, replace)
    narrow = [p for p in paths if p.startswith('tests/')]
    tasks_dir = os.path.join(dst, 'tasks')
    for dirpath, _dirs, files in os.walk(tasks_dir):
        for fname in sorted(files):
            if not fname.endswith('.yml'):
                continue
            full = os.path.join(dirpath, fname)
            rel = os.path.relpath(full, tasks_dir)
            if rel.startswith('tests/') and rel not in narrow:
                os.unlink(full)
                continue
            rewriter.rewrite_file(full, full, rel, narrow_to=narrow)
    run_test = os.path.join(tasks_dir, 'run-test.yml')
    if os.path.exists(run_test):
        # some files remove or re-pull the test images (image-ids.yml); in the peer the next file
        # pulls them again, here they are rebuilt (from the build cache) before it starts
        with open(run_test) as handle:
            tasks = yaml.safe_load(handle) or []
        tasks.append({'name': 'berth peer harness: restore the stand-in images', 'changed_when': False,
                      'command': {'argv': [sys.executable, '-c', RESTORE_IMAGES % ROOT]}})
        with open(run_test, 'w') as handle:
            yaml.safe_dump(tasks, handle, sort_keys=False)
    return rewriter


RESTORE_IMAGES = 'import sys; sys.path.insert(0, %r); from tests.support import peer; peer.ensure_images()'


# -------------------------------------------------------------------------------------------------- run

def engine_vars():
    out = docker_cli.docker('version', '--format', '{{.Server.APIVersion}} {{.Client.Version}}').stdout.split()
    return {'docker_api_version': out[0], 'docker_cli_version': out[1]}


def peer_vars(workdir, prefix):
    with open(os.path.join(TARGETS_DIR, 'setup_docker', 'vars', 'main.yml')) as handle:
        values = yaml.safe_load(handle)
    values = {k: local_name(v) if isinstance(v, str) else v for k, v in values.items()}
    values.update(engine_vars())
    values.update({
        'docker_py_version': '7.1.0',
        'docker_skip_cleanup': True,
        'podman_cli_version': '0.0',
        'buildx_version': '0.0',
        'remote_tmp_dir': os.path.join(workdir, 'tmp'),
        # the prefixes the targets draw at random: fixed to ours so that everything is cleaned up
        'cname_prefix': prefix,
        'name_prefix': prefix,
        'iname_prefix': prefix,
    })
    return values


def _task_key(record_name):
    match = re.search(r'\[([^\[\]]+:\d+)\]\s*$', record_name)
    return match.group(1) if match else None


def owns(unit_path, task_file):
    """Whether a task of ``task_file`` belongs to the unit: the file itself for a tests/ unit, every
    file outside tests/ for a main.yml unit."""
    if unit_path.startswith('tests/'):
        return task_file == unit_path
    return not task_file.startswith('tests/')


def count(manifest, records, unit_path):
    """Per-task status of the unit's own tasks, and the seconds they took."""
    statuses = {}
    for record in records:
        key = _task_key(record['task'])
        if key is None or key not in manifest:
            continue
        statuses.setdefault(key, []).append(record)
    tasks = {}
    seconds = 0.0
    for key, info in manifest.items():
        if not owns(unit_path, info['file']):
            continue
        recs = statuses.get(key, [])
        seconds += sum(r['seconds'] for r in recs)
        reason = ''
        if not recs:
            status = 'not-run'
        elif all(r['status'] == 'skipped' for r in recs):
            status = 'skipped'
        else:
            bad = [r for r in recs if r['status'] in ('failed', 'ignored', 'unreachable')]
            if bad and not info['expect_failure']:
                status, reason = 'failed', bad[-1]['msg'][:300]
            else:
                status = 'passed'
        tasks['L%s %s' % (info['line'], info['name'])] = {'status': status, 'line': info['line'],
                                                          'action': info['action'], 'reason': reason}
    return tasks, round(seconds, 1)


REGISTRY_TARGETS = ('docker_image', 'docker_image_pull')


def start_registries(workdir, count=2):
    """Local registries (tests/support/registry.py) standing in for the peer's two authenticating
    registry frontends: user ``testuser`` as in the peer files, a random password instead of theirs."""
    from tests.support.registry import Registry
    password = uuid.uuid4().hex
    started = []
    for n in range(count):
        reg = Registry(os.path.join(workdir, 'registry%d' % n))
        os.makedirs(reg.workdir)
        reg.username, reg.password = 'testuser', password
        started.append(reg.start())
    return started


def target_units(target):
    return [path for t, path, _minimum in units() if t == target]


def run_unit(target, path, **kwargs):
    """Run one unit alone; returns (and saves) its result dict."""
    return run_target(target, [path], **kwargs)[unit_id(target, path)]


def run_target(target, paths=None, timeout=3600, keep=False):
    """Run the units ``paths`` of ``target`` (default: all of them) in one playbook, as the peer runs
    its tests/*.yml one after the other between the target's setup and cleanup; returns (and saves
    under tests/output/peer/) a result dict per unit."""
    paths = list(paths or target_units(target))
    fetch()
    ensure_images()
    prefix = 'berth%s-peer' % uuid.uuid4().hex[:6]
    workdir = tempfile.mkdtemp(prefix='berth-peer-')
    start = time.time()
    registries = []
    try:
        os.makedirs(os.path.join(workdir, 'tmp'))
        os.makedirs(os.path.join(workdir, 'docker-config'))
        extra_vars = peer_vars(workdir, prefix)
        replace = {}
        if target == 'docker_login':
            registries = start_registries(workdir)
            extra_vars['registry_frontend_address'] = registries[0].host
            extra_vars['registry_frontend2_address'] = registries[1].host
            replace['hunter2'] = registries[0].password
        elif target in REGISTRY_TARGETS:
            # the peer's plain registry (registry_address): ours wants a login, which the run's own
            # DOCKER_CONFIG already holds
            from tests.support.registry import login_env
            registries = start_registries(workdir, 1)
            login_env(registries[0], os.path.join(workdir, 'docker-config'))
            extra_vars['registry_address'] = registries[0].host
        replace['~/.docker/config.json'] = os.path.join(workdir, 'docker-config', 'config.json')
        rewriter = prepare(target, paths, workdir, prefix, replace)
        playbook = os.path.join(workdir, 'play.yml')
        with open(playbook, 'w') as handle:
            yaml.safe_dump([{'name': 'peer %s' % target, 'hosts': 'localhost',
                             'gather_facts': True, 'gather_subset': ['!all', 'virtual'],
                             'roles': [target]}],
                           handle, sort_keys=False)
        inventory = os.path.join(workdir, 'hosts.ini')
        with open(inventory, 'w') as handle:
            handle.write('localhost ansible_connection=local ansible_python_interpreter=%s\n' % sys.executable)
        extra = os.path.join(workdir, 'vars.json')
        with open(extra, 'w') as handle:
            json.dump(extra_vars, handle)
        record = os.path.join(workdir, 'record.json')
        env = ansible_env({'BERTH_PEER_RECORD': record, 'ANSIBLE_CALLBACKS_ENABLED': 'berth_peer',
                           'ANSIBLE_ROLES_PATH': os.path.join(workdir, 'roles'),
                           'ANSIBLE_DISPLAY_SKIPPED_HOSTS': '0', 'ANSIBLE_PIPELINING': 'True',
                           # logins go to a config of the run's own, never ~/.docker
                           'DOCKER_CONFIG': os.path.join(workdir, 'docker-config')})
        proc = subprocess.run([os.path.join(os.path.dirname(sys.executable), 'ansible-playbook'), playbook,
                               '-i', inventory, '-e', '@' + extra], cwd=workdir, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=timeout, check=False)
        records = []
        if os.path.exists(record):
            with open(record) as handle:
                records = json.load(handle)
        output = proc.stdout.decode('utf-8', 'replace')
    finally:
        for reg in registries:
            reg.stop()
        docker_cli.cleanup(prefix)
        if not keep:
            shutil.rmtree(workdir, ignore_errors=True)
    results = {}
    for path in paths:
        tasks, seconds = count(rewriter.manifest, records, path)
        result = {
            'unit': unit_id(target, path), 'target': target, 'path': path, 'rc': proc.returncode,
            'seconds': seconds, 'target_seconds': round(time.time() - start, 1), 'tasks': tasks,
            'rewrites': [r for r in rewriter.rewrites if owns(path, r['file'])],
            'output_tail': output[-4000:],
        }
        result.update(summary(result))
        save(result)
        results[result['unit']] = result
    return results


def summary(result):
    tasks = result['tasks'].values()
    return {name: sum(1 for t in tasks if t['status'] == name) for name in ('passed', 'failed', 'skipped', 'not-run')}


def save(result):
    os.makedirs(OUTPUT, exist_ok=True)
    with open(os.path.join(OUTPUT, result['unit'].replace('/', '__') + '.json'), 'w') as handle:
        json.dump(result, handle, indent=1)


def load_saved(unit):
    path = os.path.join(OUTPUT, unit.replace('/', '__') + '.json')
    if not os.path.exists(path):
        return None
    with open(path) as handle:
        return json.load(handle)


def known_failures():
    if not os.path.exists(KNOWN_FAILURES):
        return {}
    with open(KNOWN_FAILURES) as handle:
        return yaml.safe_load(handle) or {}
