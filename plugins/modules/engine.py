#!/usr/bin/python
# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r'''
module: engine
short_description: Install, configure (daemon.json), enable and start the Docker engine
version_added: 0.1.0
description:
  - Installs the engine from Docker's repository (V(docker-ce)) or from the operating system's own packages
    (V(distro)) on CentOS/RHEL 7-10, Rocky, AlmaLinux, Fedora, Debian and Ubuntu.
  - Writes C(daemon.json) merged into the current one or exactly as given, after checking that its address
    settings neither shadow a host route nor overlap an existing Docker network of the engine, and that
    C(dockerd) itself accepts it; keeps the old file as a backup.
  - Applies a changed C(daemon.json) by reload (SIGHUP) when every changed key is reloadable, by restart
    otherwise. Before touching anything it records how the running engine was started (its command line,
    environment and working directory from C(/proc), and the C(daemon.json) bytes, mode and times, or that
    there was none). If dockerd refuses the new file at start, the file is put back exactly (or removed when
    there was none), the engine is started again the same way (the same command line for a direct daemon;
    C(systemctl reset-failed) and a restart of the unit with systemd), the module waits until it answers
    C(GET /_ping), and fails saying the new configuration was refused, dockerd's own reason, and that the
    engine runs again on the old one (or, loudly, that it does not, with the command that starts it).
  - Runs the engine with systemd when systemd is PID 1, otherwise starts C(dockerd) directly as a daemon with
    a pidfile and a log file (containers, hosts without an init system); then RV(enabled) is V(n/a).
  - Talks to the engine (readiness, facts, running containers) with the Python standard library only.
author:
  - berth.docker developers (@berth-docker)
extends_documentation_fragment:
  - berth.docker.docker
  - berth.docker.attributes
  - berth.docker.attributes.actiongroup_docker
attributes:
  check_mode:
    support: full
  diff_mode:
    support: partial
    details:
      - The diff shows the changes of C(daemon.json) and of the repository file; package installs and removals and
        the engine's service state are reported in the result only.
  idempotent:
    support: full
options:
  state:
    description:
      - V(present) the engine is installed (and a changed C(daemon.json) applied if it runs).
      - V(started) installed, enabled at boot (see O(enabled)) and running.
      - V(stopped) installed and not running.
      - V(absent) stopped and its packages removed; fails while containers run unless O(force). The data
        directory stays unless O(purge_data).
    type: str
    default: started
    choices: [present, started, stopped, absent]
  source:
    description:
      - V(docker-ce) Docker's own repository (repository file and signing key for the OS family; packages
        C(docker-ce), C(docker-ce-cli), C(containerd.io), C(docker-buildx-plugin), C(docker-compose-plugin)).
      - V(distro) the OS's own packages (C(docker.io) on Debian/Ubuntu, C(moby-engine) on Fedora, C(docker)
        on CentOS 7; EL 8+ has none).
      - Default V(docker-ce) on the Red Hat family, V(distro) on Debian and Ubuntu. An unreachable repository
        fails the task; the module never swaps the source silently.
    type: str
    choices: [docker-ce, distro]
  version:
    description:
      - Version pin of the engine package, for example V(24.0.7) or V(20.10.24+dfsg1-1+b3); the newest available
        version that starts with it is installed. A pin that no repository offers fails, listing what is available.
    type: str
  channel:
    description: Channel of Docker's repository (O(source=docker-ce)).
    type: str
    default: stable
    choices: [stable, test]
  repo_url:
    description: Base URL of Docker's repository (a mirror of U(https://download.docker.com)).
    type: str
    default: https://download.docker.com
  repo_key_fingerprint:
    description:
      - The OpenPGP fingerprint(s) the signing key of Docker's apt repository (Debian and Ubuntu,
        O(source=docker-ce)) must have; spaces and case do not matter. Default Docker's published one,
        C(9DC8 5822 9FC7 DD38 854A  E2D8 8D81 803C 0EBF CD88).
      - The key is fetched from O(repo_url) with TLS certificate and host name verification always on (the
        system's CA store; O(validate_certs) is for the Engine API and does not apply). It is written only when
        every primary key in it has one of these fingerprints (apt trusts every key of a C(signed-by) file);
        otherwise the task fails naming the fingerprint found and nothing is written. A key file already in
        place with another fingerprint is fetched again.
      - Set it for a mirror that signs with its own key (v4 keys; the fingerprint the mirror publishes).
    type: list
    elements: str
    default: ['9DC858229FC7DD38854AE2D88D81803C0EBFCD88']
  manage_packages:
    description:
      - Install (or with O(state=absent) remove) packages. V(false) manages only C(daemon.json) and the service,
        for an engine installed otherwise (or a second engine beside the main one).
    type: bool
    default: true
  update_cache:
    description: Refresh the apt package lists before installing.
    type: bool
    default: true
  remove_conflicts:
    description:
      - Remove installed packages that conflict with the chosen source. On EL 8+ V(runc), V(buildah) and V(podman)
        go only with this option; without it the task fails naming them. Old docker packages
        (C(docker), C(docker-common), C(podman-docker), ...) are always removed on EL when installing docker-ce.
    type: bool
    default: false
  allowerasing:
    description: Pass C(--allowerasing) to dnf (EL 8+, Fedora).
    type: bool
    default: false
  daemon_config:
    description:
      - 'Settings for C(daemon.json), for example V({"log-driver": "local", "live-restore": true}).'
      - With O(daemon_config_mode=merge) top-level keys are set over the current file and a key set to V(null)
        is removed; with V(exact) the file becomes exactly this.
      - Not set, C(daemon.json) is left alone.
    type: dict
  daemon_config_mode:
    description: How O(daemon_config) combines with the current file.
    type: str
    default: merge
    choices: [merge, exact]
  daemon_config_path:
    description:
      - The C(daemon.json) to manage. Another path is for a direct daemon (passed as C(--config-file)), for example
        a second engine; the systemd unit reads C(/etc/docker/daemon.json).
    type: path
    default: /etc/docker/daemon.json
  daemon_config_backup:
    description: Keep the replaced C(daemon.json) as C(daemon.json.TIMESTAMP.bak).
    type: bool
    default: true
  check_address_collisions:
    description:
      - Fail before writing when C(bip), C(fixed-cidr), C(fixed-cidr-v6) or a C(default-address-pools) base overlaps
        a host route or address (read with pyroute2 when importable, else from C(/proc/net)).
      - Also fail before writing when a changed C(bip), C(fixed-cidr), C(fixed-cidr-v6) or a new
        C(default-address-pools) base overlaps the subnet of an existing Docker network of the engine (when it
        answers), naming the network and its subnet; dockerd would refuse to start with it. The default
        C(bridge) network is not counted (bip and fixed-cidr define it), nor are networks inside pools that were
        already configured.
    type: bool
    default: true
  users:
    description:
      - Users to add to the C(docker) group. They see the new group only in a new session; run
        C(ansible.builtin.meta) V(reset_connection) after this task when the play connects as one of them.
    type: list
    elements: str
    default: []
  enabled:
    description: With systemd, whether the engine starts at boot (O(state=started) or V(stopped)).
    type: bool
    default: true
  service_manager:
    description:
      - V(systemd) (the C(docker) unit), V(direct) (C(dockerd) started as a daemon by this module), or V(auto),
        which means systemd when it is PID 1, else direct.
    type: str
    default: auto
    choices: [auto, systemd, direct]
  daemon_pidfile:
    description: Direct daemon only; the pidfile (passed as C(--pidfile) when not the default).
    type: path
    default: /var/run/docker.pid
  daemon_log_file:
    description: Direct daemon only; where dockerd's output goes.
    type: path
    default: /var/log/dockerd.log
  daemon_data_root:
    description: Direct daemon only; C(--data-root). Also the directory O(purge_data) removes (default C(/var/lib/docker)).
    type: path
  daemon_exec_root:
    description: Direct daemon only; C(--exec-root).
    type: path
  dockerd_path:
    description: The dockerd binary.
    type: path
    default: dockerd
  start_timeout:
    description: Seconds to wait for the engine to answer C(GET /_ping) after a start, restart or reload.
    type: int
    default: 60
  purge_data:
    description: With O(state=absent), also remove the data directory (images, containers, volumes). Never by default.
    type: bool
    default: false
  force:
    description: With O(state=absent), go ahead although containers run (they stop with the engine).
    type: bool
    default: false
notes:
  - The connection options (O(docker_host) and friends) say where the engine answers; for a direct daemon
    O(docker_host) is also the socket it listens on (passed as C(-H) when not the default).
  - C(dockerd --validate) exists from engine 23. For older engines (Debian 12's 20.10) the module checks the file
    with a dry start of dockerd on a scratch directory that stops right after loading the configuration.
  - A direct daemon that runs is restarted with its own command line (from C(/proc/PID/cmdline), started
    through O(dockerd_path) when that is not V(dockerd), and its environment), with C(--config-file) added when
    it named none and O(daemon_config_path) is not the default; one that runs with another C(--config-file)
    than O(daemon_config_path) is refused before writing.
  - Reloadable keys (SIGHUP) are the ones dockerd's reload applies; C(log-level) is not one of them (only C(debug)
    is), so changing it restarts the engine.
seealso:
  - module: berth.docker.host_info
'''

EXAMPLES = r'''
- name: Docker from Docker's repository, started and enabled (EL family default)
  berth.docker.engine:
    version: "24.0"
    remove_conflicts: true
    daemon_config:
      log-driver: local
      live-restore: true
    users: [deploy]
  register: engine

- name: Let the new group membership take effect
  ansible.builtin.meta: reset_connection

- name: Docker's repository through a mirror that signs with its own key
  berth.docker.engine:
    source: docker-ce
    repo_url: https://docker-mirror.example.com
    repo_key_fingerprint: "0123 4567 89AB CDEF 0123  4567 89AB CDEF 0123 4567"

- name: Debian's own docker.io, with a bridge address that does not collide with the office network
  berth.docker.engine:
    source: distro
    daemon_config:
      bip: 10.250.0.1/24
      default-address-pools:
        - base: 10.251.0.0/16
          size: 24

- name: Turn on debug logging (a reload, the engine keeps running)
  berth.docker.engine:
    daemon_config:
      debug: true

- name: A second engine beside the main one, started directly (no systemd)
  berth.docker.engine:
    manage_packages: false
    service_manager: direct
    docker_host: unix:///run/docker-ci/docker.sock
    daemon_config_path: /etc/docker-ci/daemon.json
    daemon_pidfile: /run/docker-ci/docker.pid
    daemon_data_root: /var/lib/docker-ci
    daemon_exec_root: /run/docker-ci/exec
    daemon_log_file: /var/log/docker-ci.log
    daemon_config:
      bridge: none
      iptables: false
      ip-masq: false

- name: Remove the engine (fails while containers run)
  berth.docker.engine:
    state: absent
'''

RETURN = r'''
actions:
  description: What was done (or in check mode would be done), in order.
  returned: always
  type: list
  elements: str
  sample: ["install package docker.io", "write /etc/docker/daemon.json (changed: debug)", "reload dockerd (SIGHUP)"]
engine:
  description: Short engine facts after the run (as RV(berth.docker.host_info#module:engine)).
  returned: when the engine runs
  type: dict
  sample: {"version": "20.10.24+dfsg1", "api_version": "1.41", "storage_driver": "overlay2", "cgroup_version": "1"}
packages:
  description: The package plan (manager, install, remove, repo_file, keyring, commands).
  returned: when packages are managed
  type: dict
source:
  description: The package source used.
  returned: always
  type: str
  sample: distro
os:
  description: The operating system as read from /etc/os-release (id, version, family).
  returned: always
  type: dict
python_yaml:
  description:
    - Whether the Python that runs the module can import PyYAML, which M(berth.docker.compose) needs on the host.
    - The C(berth.docker.engine) role installs the PyYAML package only when this is false.
  returned: always
  type: bool
  sample: true
service_manager:
  description: V(systemd) or V(direct).
  returned: always
  type: str
enabled:
  description: Whether the unit is enabled at boot; V(n/a) for a direct daemon.
  returned: success
  type: raw
  sample: true
active:
  description: Whether dockerd runs after the task (in check mode, whether it would).
  returned: success
  type: bool
pid:
  description: PID of dockerd after the task.
  returned: success
  type: int
pid_before:
  description: PID of dockerd before the task (a reload keeps it, a restart changes it).
  returned: success
  type: int
daemon_config_changed_keys:
  description: The top-level daemon.json keys that changed.
  returned: when daemon.json changed
  type: list
  elements: str
restart_keys:
  description: The changed keys a reload cannot apply (empty when a reload was enough).
  returned: when daemon.json changed and the engine was running
  type: list
  elements: str
backup_file:
  description: Where the previous daemon.json was kept.
  returned: when daemon.json was replaced and O(daemon_config_backup)
  type: str
users_added:
  description: Users added to the docker group.
  returned: when O(users) is set
  type: list
  elements: str
containers_running:
  description: With O(state=absent), the running containers found.
  returned: with state=absent
  type: list
  elements: str
rolled_back:
  description: The engine refused the new daemon.json; the old file (or its absence) was restored.
  returned: on a refused daemon.json
  type: bool
engine_error:
  description: dockerd's own reason for refusing the new daemon.json (its log line).
  returned: on a refused daemon.json
  type: str
  sample: >-
    failed to start daemon: Error initializing network controller: Error creating default "bridge" network:
    Pool overlaps with other one on this address space
engine_running:
  description: After a refused daemon.json, whether the engine runs again on the old configuration.
  returned: on a refused daemon.json
  type: bool
containers_revived:
  description:
    - After a refused daemon.json, the containers with a restart policy that ran before, did not run after the
      rollback and were started again by the module (a dockerd started with live-restore off kills the containers a
      live-restore engine left running and marks them stopped by hand).
  returned: on a refused daemon.json
  type: list
  elements: str
engine_log:
  description: After a refused daemon.json, the last lines of dockerd's log (direct) or journal (systemd).
  returned: on a refused daemon.json
  type: list
  elements: str
network_overlaps:
  description: The address settings refused because they overlap an existing Docker network.
  returned: when such an overlap was found
  type: list
  elements: str
repo_key_fingerprints:
  description: The fingerprints of the repository signing key that was fetched and written.
  returned: when the key was fetched
  type: list
  elements: str
diff:
  description: The daemon.json (and repository file) change, in diff mode.
  returned: in diff mode
  type: raw
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.berth.docker.plugins.module_utils.common import docker_argument_spec
from ansible_collections.berth.docker.plugins.module_utils.engine import ENGINE_ARGUMENT_SPEC, run


def main():
    module = AnsibleModule(argument_spec=docker_argument_spec(ENGINE_ARGUMENT_SPEC), supports_check_mode=True)
    run(module)


if __name__ == '__main__':
    main()
