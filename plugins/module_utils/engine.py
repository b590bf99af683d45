# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""berth.docker.engine: brings engine_install (packages), engine_config (daemon.json),
engine_service (systemd or a direct daemon) and host_network (address safety) together."""

import grp
import importlib.util
import os
import platform
import pwd
import shutil
import time

from ansible_collections.berth.docker.plugins.module_utils import engine_config as cfg
from ansible_collections.berth.docker.plugins.module_utils import engine_install as inst
from ansible_collections.berth.docker.plugins.module_utils import engine_repo_key as repo_key
from ansible_collections.berth.docker.plugins.module_utils import engine_service as svc
from ansible_collections.berth.docker.plugins.module_utils import files
from ansible_collections.berth.docker.plugins.module_utils import host_network
from ansible_collections.berth.docker.plugins.module_utils.api import ConnectionConfig, DockerError, EngineClient
from ansible_collections.berth.docker.plugins.module_utils.errors import BerthError
from ansible_collections.berth.docker.plugins.module_utils.host_info import engine_summary

ENGINE_ARGUMENT_SPEC = dict(
    state=dict(type='str', default='started', choices=['present', 'started', 'stopped', 'absent']),
    source=dict(type='str', choices=['docker-ce', 'distro']),
    version=dict(type='str'),
    channel=dict(type='str', default='stable', choices=['stable', 'test']),
    repo_url=dict(type='str', default=inst.DEFAULT_REPO_URL),
    repo_key_fingerprint=dict(type='list', elements='str', default=[repo_key.DOCKER_KEY_FINGERPRINT], no_log=False),
    manage_packages=dict(type='bool', default=True),
    update_cache=dict(type='bool', default=True),
    remove_conflicts=dict(type='bool', default=False),
    allowerasing=dict(type='bool', default=False),
    daemon_config=dict(type='dict'),
    daemon_config_mode=dict(type='str', default='merge', choices=['merge', 'exact']),
    daemon_config_path=dict(type='path', default=cfg.DEFAULT_PATH),
    daemon_config_backup=dict(type='bool', default=True),
    check_address_collisions=dict(type='bool', default=True),
    users=dict(type='list', elements='str', default=[]),
    enabled=dict(type='bool', default=True),
    service_manager=dict(type='str', default='auto', choices=['auto', 'systemd', 'direct']),
    daemon_pidfile=dict(type='path', default=svc.DEFAULT_PIDFILE),
    daemon_log_file=dict(type='path', default=svc.DEFAULT_LOG_FILE),
    daemon_data_root=dict(type='path'),
    daemon_exec_root=dict(type='path'),
    dockerd_path=dict(type='path', default='dockerd'),
    start_timeout=dict(type='int', default=60),
    purge_data=dict(type='bool', default=False),
    force=dict(type='bool', default=False),
)


class EngineFailure(BerthError):
    """The engine module failed; ``extra`` holds fields for the failed result."""

    def __init__(self, msg, **extra):
        super(EngineFailure, self).__init__(msg)
        self.extra = extra


def read_os():
    try:
        with open('/etc/os-release') as handle:
            text = handle.read()
    except OSError:
        text = ''
    return inst.parse_os_release(text, platform.machine())


class Engine:
    def __init__(self, module):
        self.module = module
        self.p = module.params
        self.check = module.check_mode
        self.result = {'changed': False, 'actions': [], 'diff': [], 'packages': {}}
        self.changes_text = ''
        self.running_before = {}

    # -- helpers --------------------------------------------------------------------------------

    def runner(self, argv, data=None):
        return self.module.run_command(argv, data=data, environ_update={
            'DEBIAN_FRONTEND': 'noninteractive', 'LC_ALL': 'C', 'LANG': 'C'})

    def act(self, text):
        self.result['actions'].append(text)
        self.result['changed'] = True

    def manager(self):
        choice = self.p['service_manager']
        if choice == 'auto':
            choice = 'systemd' if svc.systemd_is_init() else 'direct'
        if choice == 'systemd':
            if self.p['daemon_config_path'] != cfg.DEFAULT_PATH:
                self.module.warn('daemon_config_path %s: the systemd unit of the engine reads %s unless its '
                                 'ExecStart passes --config-file' % (self.p['daemon_config_path'], cfg.DEFAULT_PATH))
            return svc.SystemdManager(self.runner, self.p['docker_host'], timeout=self.p['start_timeout'])
        return svc.DirectManager(self.p['docker_host'], self.p['daemon_config_path'], self.p['daemon_pidfile'],
                                 self.p['daemon_data_root'], self.p['daemon_exec_root'], self.p['daemon_log_file'],
                                 self.p['dockerd_path'], self.p['start_timeout'])

    def client(self):
        return EngineClient(ConnectionConfig(docker_host=self.p['docker_host'], timeout=self.p['timeout']))

    # -- packages -------------------------------------------------------------------------------

    def packages(self, osinfo, source):
        manager = inst.package_manager(osinfo)
        installed = inst.query_installed(self.runner, manager)
        main = inst.version_package(osinfo, source)
        current_repo = None
        have_keyring = False
        if source == 'docker-ce':
            path = inst.repo_file(osinfo, self.p['channel'], self.p['repo_url'])[0]
            if os.path.exists(path):
                with open(path) as handle:
                    current_repo = handle.read()
            key = inst.keyring(osinfo, self.p['repo_url'])
            # a key file that holds any key other than the expected ones is fetched again
            have_keyring = bool(key and repo_key.file_matches(key[0], self.key_fingerprints()))
        needs_install = any(p not in installed for p in inst.engine_packages(osinfo, source)) or bool(self.p['version'])
        updated = False
        if manager == 'apt' and needs_install and self.p['update_cache'] and not self.check and \
                (source == 'distro' or current_repo is not None):
            inst.run_commands(self.runner, [['apt-get', 'update']])
            updated = True
        if manager == 'apt' and source == 'distro' and osinfo.id == 'ubuntu':
            # Ubuntu moved the CLI out of docker.io in some release: ask its package lists
            osinfo.cli_split = bool(inst.query_available(self.runner, manager, 'docker-cli'))
        available = None
        if self.p['version'] and (source == 'distro' or current_repo is not None):
            available = inst.query_available(self.runner, manager, main)
        plan = inst.plan_install(osinfo, source, installed, available, self.p['version'], self.p['channel'],
                                 self.p['repo_url'], self.p['remove_conflicts'], self.p['allowerasing'],
                                 current_repo, have_keyring, self.p['update_cache'] and not updated)
        self.result['packages'] = plan.as_dict()
        if not plan.changes:
            return
        if plan.repo:
            self.result['diff'].append({'before_header': plan.repo[0], 'after_header': plan.repo[0],
                                        'before': current_repo or '', 'after': plan.repo[1]})
        for pkg in plan.remove:
            self.act('remove package %s' % pkg)
        for pkg in plan.install:
            self.act('install package %s' % pkg)
        if plan.keyring:
            self.act('fetch signing key %s to %s' % (plan.keyring[1], plan.keyring[0]))
        if plan.repo:
            self.act('write repository file %s' % plan.repo[0])
        if self.check:
            return
        if plan.keyring:
            self.fetch_key(*plan.keyring)
        if plan.repo:
            files.atomic_write(plan.repo[0], plan.repo[1])
            if self.p['version'] and available is None:
                # the repository is new: now the pin can be checked against it
                inst.run_commands(self.runner, [['apt-get', 'update'] if manager == 'apt' else [manager, '-q', 'makecache']])
                available = inst.query_available(self.runner, manager, main)
                plan = inst.plan_install(osinfo, source, installed, available, self.p['version'], self.p['channel'],
                                         self.p['repo_url'], self.p['remove_conflicts'], self.p['allowerasing'],
                                         plan.repo[1], True, False)
                self.result['packages'] = plan.as_dict()
        inst.run_commands(self.runner, plan.commands)

    def key_fingerprints(self):
        try:
            wanted = [repo_key.normalize(f) for f in self.p['repo_key_fingerprint'] or []]
        except ValueError as exc:
            raise EngineFailure('repo_key_fingerprint: %s' % exc)
        if not wanted:
            raise EngineFailure('repo_key_fingerprint: give at least one fingerprint (Docker\'s is %s)' % (
                repo_key.pretty(repo_key.DOCKER_KEY_FINGERPRINT)))
        return wanted

    def fetch_key(self, path, url):
        """Fetch the repository's signing key over verified TLS (always, whatever validate_certs says
        for the Engine API), check its fingerprint, and only then write it."""
        try:
            data, found = repo_key.fetch_verified(url, self.key_fingerprints(), timeout=self.p['timeout'] or 60)
        except repo_key.RepoKeyError as exc:
            raise EngineFailure(str(exc))
        self.result['repo_key_fingerprints'] = found
        files.atomic_write(path, data, mode=0o644, dir_mode=0o755)

    # -- daemon.json ----------------------------------------------------------------------------

    def plan_config(self, manager, snapshot=None):
        """(new dict, old dict, old raw, changed keys) or None when daemon_config is not managed."""
        if self.p['daemon_config'] is None:
            return None
        path = self.p['daemon_config_path']
        try:
            old, old_raw = cfg.read(path)
        except cfg.DaemonConfigError as exc:
            if self.p['daemon_config_mode'] != 'exact':
                raise EngineFailure(str(exc))
            old, old_raw = {}, open(path).read()
        new = cfg.merge(old, self.p['daemon_config'], self.p['daemon_config_mode'])
        keys = cfg.changed_keys(old, new) if old is not None else sorted(new)
        if old is not None and not keys:
            return new, old, old_raw, []
        # address safety, before anything is written
        if self.p['check_address_collisions']:
            try:
                routes, backend = host_network.host_routes()
                problems = host_network.collisions(new, routes)
            except ValueError as exc:
                raise EngineFailure(str(exc))
            if problems:
                raise EngineFailure('daemon_config not applied, address collision (routes read with %s): %s. Choose '
                                    'networks that overlap no host route (nothing was written)' % (
                                        backend, '; '.join(problems)), collisions=problems)
        if self.p['check_address_collisions']:
            self.check_network_overlaps(new, old)
        if new.get('bridge') == 'none' and manager.name == 'direct' and 'hosts' in manager.flags() \
                and os.path.exists('/sys/class/net/docker0'):
            self.module.warn('bridge: none makes dockerd delete the interface docker0 when it starts; if another '
                             'engine on this host uses docker0, run this one in its own network namespace '
                             '(for example dockerd_path pointing at a wrapper that runs "unshare --net dockerd")')
        flags = manager.flag_keys()
        if snapshot and manager.name == 'direct':
            # flags of the command line the running engine is restarted with
            flags = dict(cfg.argv_flag_keys(snapshot['argv'], new), **flags)
        problems = cfg.flag_conflicts(new, flags)
        if problems:
            raise EngineFailure('daemon_config conflicts with the dockerd command line: ' + ' '.join(problems))
        if shutil.which(self.p['dockerd_path']) or os.path.exists(self.p['dockerd_path']):
            error = cfg.validate(new, path, self.p['dockerd_path'])
            if error:
                raise EngineFailure('dockerd rejects the new daemon.json (nothing was written): %s' % error,
                                    validation_error=error)
        else:
            self.result.setdefault('warnings_text', []).append('daemon.json not validated: dockerd is not installed yet (check mode)')
        return new, old, old_raw, keys

    def check_network_overlaps(self, new, old):
        """Refuse address settings that overlap an existing Docker network of this engine (only when
        it answers: an engine that does not run or is not installed yet has no networks to ask)."""
        if not svc.ping(self.p['docker_host']):
            return
        client = self.client()
        try:
            networks = client.get('/networks')
        except DockerError as exc:
            self.module.warn('the Docker networks could not be listed (%s); address settings not checked '
                             'against them' % exc.msg)
            return
        finally:
            client.close()
        try:
            problems = host_network.network_overlaps(new, old, networks)
        except ValueError as exc:
            raise EngineFailure(str(exc))
        if problems:
            raise EngineFailure(
                'daemon_config not applied (nothing was written, the engine was not touched): %s. dockerd would '
                'refuse to start with it (bip: "Pool overlaps with other one on this address space"; a pool whose '
                'subnets are all taken: "no available network") and every container would stop with it. Choose '
                'addresses outside every network\'s subnet (docker network inspect NAME shows them), or remove '
                'that network first' % '; '.join(problems),
                network_overlaps=problems)

    # -- the states -----------------------------------------------------------------------------

    def run(self):
        p = self.p
        osinfo = read_os()
        self.result['os'] = {'id': osinfo.id, 'version': osinfo.version_id, 'family': osinfo.family}
        # what berth.docker.compose needs of this Python: the engine role installs the package only without it
        self.result['python_yaml'] = importlib.util.find_spec('yaml') is not None
        source = p['source']
        if p['manage_packages']:
            try:
                inst.check_supported(osinfo)
            except inst.InstallError as exc:
                raise EngineFailure(str(exc))
            source = source or inst.default_source(osinfo)
        self.result['source'] = source
        manager = self.manager()
        self.result['service_manager'] = manager.name
        if p['state'] == 'absent':
            self.absent(osinfo, source, manager)
            return self.result
        if p['manage_packages']:
            try:
                self.packages(osinfo, source)
            except inst.InstallError as exc:
                raise EngineFailure(str(exc))
        before = manager.status() if not (self.check and self.result['actions']) else {'active': False, 'enabled': False, 'pid': None}
        self.result['pid_before'] = before.get('pid')
        # how the engine runs now and the daemon.json it runs with, recorded before anything is
        # touched: a refused configuration is rolled back to exactly this
        snapshot = manager.snapshot() if before.get('active') else None
        saved_file = cfg.snapshot_file(p['daemon_config_path'])
        planned = self.plan_config(manager, snapshot)
        config_changed = bool(planned and planned[3])
        if config_changed:
            new, old, old_raw, keys = planned
            if snapshot and p['state'] != 'stopped':
                problem = manager.check_config_file(snapshot)
                if problem:
                    raise EngineFailure(problem + ' (nothing was written)')
            new_raw = cfg.render(new)
            self.result['diff'].append(cfg.diff(old_raw, new_raw, p['daemon_config_path']))
            self.result['daemon_config_changed_keys'] = keys
            self.changes_text = cfg.describe_changes(old, new, keys)
            self.act('write %s (changed: %s)' % (p['daemon_config_path'], ', '.join(keys)))
            if not self.check:
                self.result['backup_file'] = files.atomic_write(
                    p['daemon_config_path'], new_raw, backup=p['daemon_config_backup'],
                    mode=saved_file['mode'] if saved_file else 0o644)
        # service
        if p['state'] in ('started', 'stopped') and manager.name == 'systemd' and p['enabled'] != before.get('enabled'):
            self.act('%s the %s service' % ('enable' if p['enabled'] else 'disable', manager.name))
            if not self.check:
                (manager.enable if p['enabled'] else manager.disable)()
        running = before.get('active')
        if p['state'] == 'stopped':
            if running:
                self.act('stop dockerd')
                if not self.check:
                    manager.stop()
        elif running and config_changed:
            restart = cfg.needs_restart(keys)
            self.result['restart_keys'] = restart
            self.act('restart dockerd (not reloadable: %s)' % ', '.join(restart) if restart else 'reload dockerd (SIGHUP)')
            if not self.check:
                self.running_before = self.running_container_ids() if restart else {}
                self.apply(manager, restart, saved_file, snapshot)
        elif not running and p['state'] == 'started':
            self.act('start dockerd')
            if not self.check:
                self.apply(manager, None, saved_file if config_changed else False)
        self.users()
        after = manager.status() if not self.check else before
        self.result['enabled'] = after.get('enabled') if manager.name == 'systemd' else 'n/a'
        self.result['active'] = bool(after.get('active')) if not self.check else (
            p['state'] == 'started' or (p['state'] == 'present' and bool(before.get('active'))))
        self.result['pid'] = after.get('pid')
        if after.get('active') and not (self.check and not before.get('active')):
            self.facts()
        return self.result

    def apply(self, manager, restart, saved_file, running=None):
        """Reload, restart (``restart`` non-empty) or start (``restart`` None) the engine.

        When the engine does not take the new daemon.json, roll back: the file exactly as it was
        (``saved_file`` from cfg.snapshot_file; None: there was none, so it is removed), the engine
        started again the way it ran (``running``: the snapshot of the running dockerd recorded
        before anything was touched), wait until it answers, and fail saying the new configuration
        was refused, dockerd's own reason and whether the engine runs again.
        ``saved_file`` False: daemon.json was not changed (nothing to roll back)."""
        try:
            if restart is None:
                manager.start()
            elif restart:
                manager.restart_with(running)
            else:
                manager.reload()
        except (svc.EngineServiceError, OSError) as exc:
            error = str(exc)
            if saved_file is False:
                raise EngineFailure(error)
            path = self.p['daemon_config_path']
            log = manager.recent_log(lines=60)
            log_lines = [line for line in log.splitlines() if line.strip()]
            reason = svc.dockerd_reason(log) or svc.dockerd_reason(error) or \
                (log_lines[-1].strip() if log_lines else error.strip().splitlines()[0])[:1000]
            undone = cfg.restore_file(path, saved_file)
            was_running = restart is not None
            try:
                if restart == []:
                    manager.reload()
                elif was_running:
                    manager.bring_back(running)
                else:
                    manager.reset_failed()
                    manager.start()
            except (svc.EngineServiceError, OSError) as exc2:
                raise EngineFailure(
                    'THE ENGINE IS DOWN. dockerd refused the new %s (changed: %s): %s. Rolled back the file (%s), but '
                    'dockerd did not start again on the old configuration either: %s. Start it by hand: %s' % (
                        path, self.changes_text, reason, undone, str(exc2).strip()[:2000], manager.how_to_start(running)),
                    rolled_back=True, engine_error=reason, engine_running=False, engine_log=log_lines[-20:])
            revived = self.revive_containers() if was_running and restart else []
            after = manager.status()
            again = svc.process_snapshot(after.get('pid')) if after.get('pid') else None
            same = ''
            if manager.name == 'direct' and running and again:
                same = ', same command line' if again['argv'] == running['argv'] else \
                    ', command line now %s (was %s)' % (svc.shell_line(again['argv']), svc.shell_line(running['argv']))
            if restart == []:
                state = 'the engine kept running on the old configuration (pid %s)' % after.get('pid')
            elif was_running:
                state = 'the engine is running again on the old configuration (pid %s%s)' % (after.get('pid'), same)
                if revived:
                    state += '; started again the containers with a restart policy that the refused start had ' \
                             'stopped: %s' % ', '.join(revived)
            else:
                state = 'the engine was not running before; it was started on the old configuration (pid %s)' % (
                    after.get('pid'))
            raise EngineFailure('the new daemon.json (changed: %s) was refused: dockerd did not %s with it: %s. Rolled '
                                'back: %s, and %s.' % (self.changes_text, 'reload' if restart == [] else 'start', reason,
                                                       undone, state),
                                rolled_back=True, engine_error=reason, engine_running=True, engine_log=log_lines[-20:],
                                containers_revived=revived,
                                pid=after.get('pid'), pid_before=running and running.get('pid'))

    def running_container_ids(self):
        """{id: name} of the running containers (empty when the engine does not answer)."""
        client = self.client()
        try:
            return dict((c['Id'], c['Names'][0].lstrip('/')) for c in client.get('/containers/json'))
        except DockerError:
            return {}
        finally:
            client.close()

    def revive_containers(self):
        """After a rollback: start the containers that ran before, have a restart policy and do not
        run now. dockerd brings them back itself after a plain restart, but a refused start can stop
        them for good: a dockerd started with live-restore off kills the containers a live-restore
        engine left running, and marks them as stopped by hand (so unless-stopped never restarts
        them). Returns their names."""
        revived = []
        if not self.running_before:
            return revived
        client = self.client()
        try:
            deadline = time.time() + 10
            while True:
                now = set(c['Id'] for c in client.get('/containers/json'))
                missing = [cid for cid in self.running_before if cid not in now]
                if not missing or time.time() > deadline:
                    break
                time.sleep(0.5)  # dockerd may still be restarting them itself
            for cid in missing:
                info = client.inspect('container', cid)
                if not info or info['State'].get('Running') or info['State'].get('Restarting'):
                    continue
                policy = ((info.get('HostConfig') or {}).get('RestartPolicy') or {}).get('Name') or 'no'
                if policy in ('always', 'unless-stopped', 'on-failure'):
                    client.post('/containers/%s/start' % cid)
                    revived.append(self.running_before[cid])
        except DockerError as exc:
            self.module.warn('after the rollback, the containers that ran before could not be checked: %s' % exc.msg)
        finally:
            client.close()
        return revived

    def users(self):
        wanted = self.p['users'] or []
        if not wanted:
            return
        try:
            members = set(grp.getgrnam('docker').gr_mem)
        except KeyError:
            if not self.check:
                raise EngineFailure('users: the docker group does not exist (is the engine installed?)')
            members = set()
        added = []
        for user in wanted:
            try:
                pwd.getpwnam(user)
            except KeyError:
                raise EngineFailure('users: no user %r on this host; create it first' % user)
            if user not in members:
                added.append(user)
                self.act('add %s to the docker group' % user)
                if not self.check:
                    rc, out, err = self.runner(['usermod', '-aG', 'docker', user])
                    if rc != 0:
                        raise EngineFailure('usermod -aG docker %s failed: %s' % (user, err or out))
        self.result['users_added'] = added
        if added:
            self.module.warn('users %s were added to the docker group: run "ansible.builtin.meta: reset_connection" '
                             'before tasks that rely on it' % ', '.join(added))

    def facts(self):
        client = self.client()
        try:
            self.result['engine'] = engine_summary(client.version(), client.get('/info'))
        except DockerError as exc:
            self.result['engine'] = {'error': exc.msg}
        finally:
            client.close()

    def running_containers(self):
        if not svc.ping(self.p['docker_host']):
            return []
        client = self.client()
        try:
            return [c['Names'][0].lstrip('/') for c in client.get('/containers/json')]
        finally:
            client.close()

    def absent(self, osinfo, source, manager):
        p = self.p
        running = self.running_containers()
        self.result['containers_running'] = running
        if running and not p['force']:
            raise EngineFailure('state=absent: containers still run on %s: %s. Stop or remove them first, or set '
                                'force: true to stop them with the engine' % (p['docker_host'], ', '.join(running)),
                                containers=running)
        status = manager.status()
        if status.get('active'):
            self.act('stop dockerd')
            if not self.check:
                manager.stop()
        if manager.name == 'systemd' and status.get('enabled') is True:
            self.act('disable the systemd service')
            if not self.check:
                manager.disable()
        if p['manage_packages']:
            try:
                installed = inst.query_installed(self.runner, inst.package_manager(osinfo))
                plan = inst.plan_remove(osinfo, source, installed)
            except inst.InstallError as exc:
                raise EngineFailure(str(exc))
            self.result['packages'] = plan.as_dict()
            for pkg in plan.remove:
                self.act('remove package %s' % pkg)
            if not self.check:
                try:
                    inst.run_commands(self.runner, plan.commands)
                except inst.InstallError as exc:
                    raise EngineFailure(str(exc))
        if p['purge_data']:
            data_root = p['daemon_data_root']
            if not data_root:
                try:
                    data_root = (cfg.read(p['daemon_config_path'])[0] or {}).get('data-root')
                except cfg.DaemonConfigError:
                    data_root = None
            data_root = data_root or '/var/lib/docker'
            if os.path.exists(data_root):
                self.act('remove the data directory %s' % data_root)
                if not self.check:
                    shutil.rmtree(data_root)
        after = manager.status() if not self.check else {'active': False, 'pid': None}
        self.result['active'] = bool(after.get('active'))
        self.result['enabled'] = after.get('enabled') if manager.name == 'systemd' else 'n/a'
        self.result['pid'] = after.get('pid')


def run(module):
    engine = Engine(module)
    try:
        result = engine.run()
    except EngineFailure as exc:
        engine.result.update(exc.extra)
        engine.result['diff'] = engine.result['diff'] or {}
        module.fail_json(msg=exc.msg, **engine.result)
    except (svc.EngineServiceError, cfg.DaemonConfigError, inst.InstallError) as exc:
        module.fail_json(msg=str(exc), **engine.result)
    for text in result.pop('warnings_text', []):
        module.warn(text)
    if not module._diff:
        result.pop('diff')
    elif len(result['diff']) == 1:
        result['diff'] = result['diff'][0]
    elif not result['diff']:
        result['diff'] = {}
    module.exit_json(**result)
