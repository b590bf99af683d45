# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""berth.docker.exec: run a command in a running container (POST /containers/{id}/exec, then
/exec/{id}/start, hijacked when there is stdin to send)."""

import shlex

from ansible_collections.berth.docker.plugins.module_utils.api import close_write
from ansible_collections.berth.docker.plugins.module_utils.compose.labels import service_container
from ansible_collections.berth.docker.plugins.module_utils.container_ops import UNBOUNDED, decode_output, read_all
from ansible_collections.berth.docker.plugins.module_utils.errors import DockerError, SpecError

# a command in a container runs as long as it runs (as with `docker exec`): the module's `timeout`
# bounds each Engine API call, not the command, with or without stdin
COMMAND_TIMEOUT = UNBOUNDED


def exec_argv(command=None, argv=None):
    """The command as a list: ``argv`` as given, or ``command`` split like a shell would."""
    if argv:
        return [str(a) for a in argv]
    if command is None or not str(command).strip():
        raise SpecError('command', 'give the command to run (command as a string or argv as a list)')
    try:
        return shlex.split(str(command))
    except ValueError as exc:
        raise SpecError('command', 'cannot split %r (%s); use argv with a list instead' % (command, exc))


def exec_body(argv, params, with_stdin):
    attach = not params.get('detach')
    body = {'Cmd': argv, 'AttachStdout': attach, 'AttachStderr': attach, 'AttachStdin': bool(with_stdin) and attach,
            'Tty': bool(params.get('tty'))}
    if params.get('chdir'):
        body['WorkingDir'] = params['chdir']
    if params.get('user'):
        body['User'] = params['user']
    if params.get('env'):
        env = []
        for key, value in sorted(params['env'].items()):
            if isinstance(value, bool):
                raise SpecError('env', 'value of %s is the boolean %s; quote it' % (key, value))
            env.append('%s=%s' % (key, '' if value is None else value))
        body['Env'] = env
    if params.get('privileged'):
        body['Privileged'] = True
    return body


def run_exec(module, client):
    p = module.params
    argv = exec_argv(p.get('command'), p.get('argv'))
    name = p.get('container')
    if not name:
        name = service_container(client, p['project'], p['service'], p.get('index') or 1)
    container = client.inspect('container', name)
    if container is None:
        raise DockerError('container %s does not exist; create and start it first (berth.docker.container)' % name)
    state = container.get('State') or {}
    if not state.get('Running') or state.get('Paused') or state.get('Restarting'):
        raise DockerError('container %s is not running (status %s, exit code %s); start it first (berth.docker.container '
                          'state: started)' % (name, state.get('Status'), state.get('ExitCode')))
    result = {'changed': True}
    if module.check_mode:
        result['msg'] = 'check mode: would run %s in %s' % (' '.join(shlex.quote(a) for a in argv), name)
        return result
    stdin = p.get('stdin')
    if stdin is not None and p.get('stdin_add_newline') and not stdin.endswith('\n'):
        stdin += '\n'
    created = client.post('/containers/%s/exec' % container['Id'], body=exec_body(argv, p, stdin is not None),
                          what='container %s' % name)
    exec_id = created['Id']
    result['exec_id'] = exec_id
    tty = bool(p.get('tty'))
    if p.get('detach'):
        client.post('/exec/%s/start' % exec_id, body={'Detach': True, 'Tty': tty})
        return result
    if stdin is not None:
        sock, reader = client.hijack('/exec/%s/start' % exec_id, body={'Detach': False, 'Tty': tty}, timeout=COMMAND_TIMEOUT)
        try:
            sock.sendall(stdin.encode('utf-8'))
            close_write(sock)
            raw = read_all(reader)
        finally:
            sock.close()
    else:
        raw = client.post('/exec/%s/start' % exec_id, body={'Detach': False, 'Tty': tty}, timeout=COMMAND_TIMEOUT)
    stdout, stderr = decode_output(raw, tty)
    info = client.get('/exec/%s/json' % exec_id) or {}
    if p.get('strip_empty_ends'):
        stdout = stdout.rstrip('\r\n')
        stderr = stderr.rstrip('\r\n')
    # Ansible fails a task whose result has a non-zero rc (as with command and
    # community.docker.docker_container_exec); failed_when overrides that
    result.update(rc=info.get('ExitCode'), stdout=stdout, stderr=stderr)
    if result['rc'] != 0:
        result['msg'] = 'command exited with rc %s in container %s' % (result['rc'], name)
    return result
