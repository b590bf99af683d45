#!/usr/bin/python
# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


DOCUMENTATION = r'''
module: container
short_description: A Docker container in its declared state
version_added: 0.1.0
description:
  - Creates, updates, recreates, starts, stops, restarts and removes a container so that it matches the options given.
    What C(docker run / start / stop / restart / rm) do by hand, declaratively.
  - Only the options you set are compared with the existing container, after merging the image's own defaults
    (ENV, LABEL, EXPOSE, VOLUME, CMD, ENTRYPOINT, HEALTHCHECK), so image defaults never cause changes.
  - Resource limits (O(memory), O(memory_reservation), O(memory_swap), O(cpus), O(cpu_shares), O(cpuset_cpus),
    O(pids_limit)) and the restart policy change in place (same container ID). Networks are connected and
    disconnected without recreating. Any other difference, or a changed image ID (after a pull or a local
    rebuild), recreates the container.
  - A container that exits right after it was started is reported with its exit code and last log lines.
  - Every option of C(community.docker.docker_container) is accepted with the same meaning, so a playbook ports by
    changing the module name (see the migration guide in the collection's docs/migrating.md).
  - Talks to the Engine API with the Python standard library only; nothing needs to be installed on the managed host.
author:
  - berth.docker developers (@berth-docker)
extends_documentation_fragment:
  - berth.docker.docker
  - berth.docker.attributes
  - berth.docker.attributes.actiongroup_docker
attributes:
  check_mode:
    support: full
    details:
      - Nothing is pulled, created, started or removed. A pull is predicted when the image is not on the engine;
        with O(pull=always) and the image present, O(pull_check_mode_behavior) decides what check mode says.
  diff_mode:
    support: full
  idempotent:
    support: partial
    details:
      - O(recreate=true), O(restart=true) and O(force_kill) with a running container act on every run.
options:
  name:
    description: Name of the container. It is looked up with one C(GET /containers/NAME/json).
    type: str
    required: true
  state:
    description:
      - V(started) (default) - created if needed and running.
      - V(present) - created if needed, not started; a running container is left running.
      - V(stopped) - created if needed and not running.
      - V(healthy) - started, then wait until its healthcheck reports healthy (see O(healthy_wait_timeout));
        fails with the last health check output on timeout or when the container exits.
      - V(absent) - removed (stopped first by the engine).
    type: str
    default: started
    choices: [absent, present, started, stopped, healthy]
  image:
    description:
      - Image to run, for example V(nginx:1.25) or V(registry.example.com:5000/app:2).
      - Required to create a container. When the image ID behind the name changes (pull, local rebuild),
        the container is recreated.
    type: str
  pull:
    choices: [never, missing, always, true, false]
    description:
      - When to pull O(image). V(missing) (default) pulls only if the engine does not have it, V(always)
        pulls on every run (in check mode the pull is not done, so a new image cannot be predicted),
        V(never) fails when the image is missing.
      - V(true) means V(always) and V(false) means V(missing), as in community.docker.
    type: raw
    default: missing
  command:
    description: Command (arguments to the entrypoint). A list, or a string split like a shell would.
    type: raw
  entrypoint:
    description: Entrypoint, overriding the image's.
    type: list
    elements: str
  env:
    description:
      - Environment variables. Values must be strings; quote V("true") and numbers to be sure of the exact text.
      - Merged over O(env_file).
    type: dict
  env_file:
    description: A file of C(KEY=VALUE) lines on the managed host, read like C(docker run --env-file).
    type: path
  labels:
    description: Labels of the container.
    type: dict
  published_ports:
    description:
      - 'Ports to publish: C([IP:][HOST_PORT[-END]:]CONTAINER_PORT[-END][/tcp|udp|sctp]), for example V(8080:80),
        V(127.0.0.1:8080:80), V(127.0.0.1::80) (random host port), V([::1]:8080:80) (IPv6 in brackets), V(53:53/udp).'
    type: list
    elements: str
    aliases: [ports]
  exposed_ports:
    description: Extra container ports to expose (without publishing), for example V(9000) or V(53/udp).
    type: list
    elements: str
    aliases: [exposed, expose]
  volumes:
    description:
      - 'Volumes: V(/host/path:/container/path[:ro|rw]) (bind mount; the host path must be absolute),
        V(volume_name:/container/path[:ro]) (named volume), V(/container/path) (anonymous volume).'
    type: list
    elements: str
  mounts:
    description: Mounts with options (the C(--mount) form).
    type: list
    elements: dict
    suboptions:
      target:
        description: Path in the container.
        type: str
        required: true
      source:
        description: Host path (bind, absolute) or volume name (volume); none for tmpfs.
        type: str
      type:
        description:
          - Kind of mount. V(npipe) is a Windows named pipe, V(cluster) a Swarm cluster volume (Engine API 1.42),
            V(image) the file system of an image named by O(mounts[].source) (Engine API 1.47).
        type: str
        choices: [bind, volume, tmpfs, npipe, cluster, image]
        default: volume
      read_only:
        description: Mount read-only.
        type: bool
      consistency:
        description: Consistency of a bind mount (Docker Desktop only).
        type: str
        choices: [cached, consistent, default, delegated]
      propagation:
        description: Propagation of a bind mount.
        type: str
        choices: [private, rprivate, shared, rshared, slave, rslave]
      no_copy:
        description: Do not copy the image's files into a new volume.
        type: bool
      labels:
        description: Labels of a volume created for this mount.
        type: dict
      volume_driver:
        description: Driver of a volume created for this mount.
        type: str
      volume_options:
        description: Driver options of a volume created for this mount.
        type: dict
      tmpfs_size:
        description: Size of a tmpfs mount, for example V(64m).
        type: str
      tmpfs_mode:
        description: Octal permissions of a tmpfs mount, for example V("1777").
        type: str
      tmpfs_options:
        description:
          - 'More options of a tmpfs mount, each a dictionary of one option and its value (or null for a flag),
            for example V([{noexec: null}, {nr_inodes: 1k}]). Needs Engine API 1.46.'
        type: list
        elements: dict
      non_recursive:
        description: Do not bind the mounts below the source of a bind mount (Engine API 1.40).
        type: bool
      create_mountpoint:
        description: Create the source path of a bind mount on the host when it is missing (Engine API 1.42).
        type: bool
      read_only_non_recursive:
        description: With O(mounts[].read_only), make only the bind mount itself read-only, not the mounts below it (Engine API 1.44).
        type: bool
      read_only_force_recursive:
        description: With O(mounts[].read_only), make the mounts below a bind mount read-only too, or fail (Engine API 1.44).
        type: bool
      subpath:
        description: Mount only this path inside the volume or image (Engine API 1.45 for volumes, 1.47 for images).
        type: str
  networks:
    description:
      - Networks to connect the container to. Missing ones are connected, and with O(purge_networks) (or
        O(comparisons) C(networks=strict)) others are disconnected, all without recreating the container.
      - When O(network_mode) is not set, the first network is the network mode, like community.docker.
    type: list
    elements: dict
    suboptions:
      name:
        description: Network name.
        type: str
        required: true
      aliases:
        description: Network-scoped aliases.
        type: list
        elements: str
      ipv4_address:
        description: Fixed IPv4 address (the network needs a subnet of its own).
        type: str
      ipv6_address:
        description: Fixed IPv6 address.
        type: str
      links:
        description: Links to other containers, V(name) or V(name:alias).
        type: list
        elements: str
      mac_address:
        description: MAC address of the container on this network (Engine API 1.44).
        type: str
  network_mode:
    description: V(bridge), V(host), V(none), V(container:NAME) or a network name. V(default) is the same as V(bridge).
    type: str
  purge_networks:
    description: Disconnect the container from every network not listed in O(networks) (same as O(comparisons) C(networks=strict)).
    type: bool
    default: false
  restart_policy:
    description: Restart policy; changed in place.
    type: str
    choices: ['no', on-failure, always, unless-stopped]
  restart_retries:
    description: Maximum restarts with O(restart_policy=on-failure).
    type: int
  healthcheck:
    description:
      - Healthcheck, merged over the image's HEALTHCHECK.
      - As in community.docker, a healthcheck without O(healthcheck.test) turns the image's healthcheck off, unless
        O(healthcheck.test_cli_compatible=true), which keeps the image's test and changes only the times given.
    type: dict
    suboptions:
      test:
        description: A shell command string (C(CMD-SHELL)), or a list (C(CMD) form; a list may start with C(CMD), C(CMD-SHELL) or C(NONE)).
        type: raw
      test_cli_compatible:
        description: Without O(healthcheck.test), keep the image's test (like C(docker run --health-interval)) instead of disabling it.
        type: bool
        default: false
      interval:
        description: Time between checks, for example V(30s) or V(1m30s).
        type: str
      timeout:
        description: Time after which a check counts as failed.
        type: str
      retries:
        description: Consecutive failures that make the container unhealthy.
        type: int
      start_period:
        description: Start-up time during which failures do not count.
        type: str
      start_interval:
        description: Time between checks during the start period (Engine API 1.44).
        type: str
      disable:
        description: Disable the image's healthcheck (same as O(healthcheck.test=[NONE])).
        type: bool
  healthy_wait_timeout:
    description:
      - Seconds to wait for O(state=healthy).
      - When a recreated container is not healthy in time, the previous container is put back (see notes).
    type: float
    default: 300
  user:
    description: User (and group) to run as, V(name), V(uid) or V(uid:gid).
    type: str
  working_dir:
    description: Working directory.
    type: str
  hostname:
    description: Host name of the container.
    type: str
  domainname:
    description: Domain name of the container.
    type: str
  etc_hosts:
    description: 'Extra C(/etc/hosts) entries: V({name: IP}).'
    type: dict
  dns_servers:
    description: DNS servers.
    type: list
    elements: str
  dns_search_domains:
    description: DNS search domains (C(--dns-search)).
    type: list
    elements: str
  dns_opts:
    description: DNS resolver options (C(--dns-option)), for example V(ndots:2).
    type: list
    elements: str
  memory:
    description: Memory limit, for example V(512m) or V(1g) (binary units); changed in place.
    type: str
  memory_reservation:
    description: Memory soft limit; changed in place.
    type: str
  memory_swap:
    description: Memory plus swap limit, or V(unlimited) (V(-1)); changed in place.
    type: str
  cpus:
    description: CPUs the container may use, for example V(0.5); changed in place.
    type: float
  cpu_shares:
    description: Relative CPU weight; changed in place.
    type: int
  cpuset_cpus:
    description: CPUs allowed, for example V(0-1); changed in place.
    type: str
  pids_limit:
    description: Maximum number of processes; changed in place.
    type: int
  ulimits:
    description: Ulimits as V(NAME:SOFT[:HARD]), for example V(nofile:1024:2048).
    type: list
    elements: str
  log_driver:
    description: Logging driver, for example V(json-file) or V(local).
    type: str
  log_options:
    description: 'Options of the logging driver, for example V({max-size: 10m}).'
    type: dict
    aliases: [log_opt]
  init:
    description: Run an init process as PID 1 that reaps zombies and forwards signals.
    type: bool
  tty:
    description: Allocate a pseudo-TTY.
    type: bool
  interactive:
    description: Keep stdin open.
    type: bool
  stop_signal:
    description: Signal that stops the container, for example V(SIGTERM).
    type: str
  stop_timeout:
    description: Seconds to wait after O(stop_signal) before killing the container. Not compared by default.
    type: int
  capabilities:
    description: Capabilities to add, for example V(NET_ADMIN).
    type: list
    elements: str
  cap_drop:
    description: Capabilities to drop.
    type: list
    elements: str
  security_opts:
    description: Security options, for example V(no-new-privileges).
    type: list
    elements: str
  read_only:
    description: Mount the root file system read-only.
    type: bool
  tmpfs:
    description: tmpfs mounts as V(/path[:options]), for example V(/run:rw,size=64m).
    type: list
    elements: str
  devices:
    description: Host devices as V(HOST_PATH[:CONTAINER_PATH[:PERMISSIONS]]).
    type: list
    elements: str
  sysctls:
    description: Namespaced kernel parameters.
    type: dict
  shm_size:
    description: Size of C(/dev/shm), for example V(64m).
    type: str
  auto_remove:
    description: Let the engine remove the container when it exits (C(--rm) for a detached container).
    type: bool
  privileged:
    description:
      - Give the container extended privileges on the host (C(docker run --privileged)). Use only where a
        container really manages the host, for example a nested Docker engine.
    type: bool
  publish_all_ports:
    description: Publish every exposed port on a random host port (C(--publish-all)).
    type: bool
  ipc_mode:
    description:
      - IPC namespace, for example V(private), V(shareable), V(host) or V(container:NAME) (the name is
        resolved to the container's ID, like O(network_mode)).
    type: str
  pid_mode:
    description: PID namespace, for example V(host) or V(container:NAME) (resolved to the container's ID).
    type: str
  userns_mode:
    description: User namespace mode; V(host) opts out of an engine-wide user namespace remapping.
    type: str
  cgroupns_mode:
    description: Cgroup namespace mode.
    type: str
    choices: [host, private]
  runtime:
    description: OCI runtime the engine runs the container with, for example V(runc) (the default) or one set up in daemon.json.
    type: str
  groups:
    description: Additional groups (names or IDs) the container's process joins (C(--group-add)).
    type: list
    elements: str
  oom_score_adj:
    description: Adjustment of the container's OOM score, from V(-1000) to V(1000).
    type: int
  volumes_from:
    description: Mount the volumes of these containers (V(NAME) or V(NAME:ro)) (C(--volumes-from)).
    type: list
    elements: str
  uts:
    description: UTS namespace mode; V(host) shares the host's host name.
    type: str
  cgroup_parent:
    description: Parent cgroup of the container.
    type: str
  device_requests:
    description:
      - 'Devices to request from a device driver, for example all GPUs with V({driver: nvidia, count: -1,
        capabilities: [[gpu]]}) (C(--gpus all)). Needs the driver''s runtime on the host.'
    type: list
    elements: dict
    suboptions:
      driver:
        description: Device driver, for example V(nvidia).
        type: str
      count:
        description: How many devices; V(-1) for all. Defaults to all unless O(device_requests[].device_ids) is given.
        type: int
      device_ids:
        description: Device IDs or UUIDs.
        type: list
        elements: str
      capabilities:
        description: Lists of capabilities, any of which suffices, for example V([[gpu]]).
        type: list
        elements: list
      options:
        description: Driver options.
        type: dict
  detach:
    description:
      - V(false) runs the container to completion like C(docker run) without C(-d), and returns RV(status),
        RV(stdout) and RV(stderr); the task fails when the status is not 0. It reports a change on every run.
    type: bool
    default: true
  cleanup:
    description: With O(detach=false), remove the container after it ran (like C(docker run --rm)).
    type: bool
    default: false
  keep_volumes:
    description: Keep the container's anonymous volumes when it is removed or recreated.
    type: bool
    default: true
  removal_wait_timeout:
    description: Seconds to wait for the engine to finish removing the container.
    type: float
  recreate:
    description:
      - Recreate the container even when nothing differs.
      - Also allows taking over a container that belongs to a compose project (label C(com.docker.compose.project)),
        which is otherwise refused when its configuration differs.
    type: bool
    default: false
  restart:
    description: Restart a running container once (a change every time it is set).
    type: bool
    default: false
  comparisons:
    description:
      - 'How each option is compared with the existing container: V(strict) (must be equal), V(allow_more_present)
        (for lists and dictionaries: everything listed must be there, more is fine), V(ignore).'
      - 'Key C(*) sets V(strict) or V(ignore) for every option not named.'
      - 'Defaults, as in community.docker: lists that are sets (O(env), O(exposed_ports), O(volumes), O(mounts),
        O(etc_hosts), O(ulimits), O(devices), O(device_requests), O(device_read_bps), O(device_write_bps),
        O(device_read_iops), O(device_write_iops), O(capabilities), O(cap_drop), O(security_opts), O(groups),
        O(dns_opts), O(volumes_from), O(links)) and dictionaries (O(labels), O(log_options), O(sysctls), O(tmpfs),
        O(storage_opts)) and O(networks) use V(allow_more_present), so what the image or the engine adds causes no
        change; O(stop_timeout) is V(ignore); everything else, including O(published_ports), O(command),
        O(dns_servers), O(device_cgroup_rules) and O(image), is V(strict).'
    type: dict
  blkio_weight:
    description:
      - Block IO weight, from V(10) to V(1000); changed in place.
      - Needs a kernel with a weight-aware IO scheduler; where the engine drops it (its warning says the weight was
        discarded) the task fails instead of ignoring it.
    type: int
  cpu_period:
    description: Length of a CPU CFS period in microseconds; changed in place.
    type: int
  cpu_quota:
    description: Microseconds of CPU time the container may use per O(cpu_period); changed in place.
    type: int
  cpuset_mems:
    description: Memory nodes (NUMA) the container may use, for example V(0-1); changed in place.
    type: str
  kernel_memory:
    description:
      - Kernel memory limit, for example V(64m); changed in place.
      - Deprecated by the engine and gone from Engine API 1.42 (Docker 23); the task fails on such an engine.
    type: str
  memory_swappiness:
    description: How eagerly the kernel swaps the container's memory, from V(0) to V(100).
    type: int
  oom_killer:
    description:
      - V(true) disables the OOM killer for the container (C(--oom-kill-disable)); the name and meaning are those of
        community.docker.
    type: bool
  device_cgroup_rules:
    description: Rules added to the container's device cgroup, for example V(c 42:* rmw) (Engine API 1.28).
    type: list
    elements: str
  device_read_bps:
    description: Read rate limits of devices, in bytes per second.
    type: list
    elements: dict
    suboptions:
      path:
        description: Device path on the host, for example V(/dev/sda).
        type: str
        required: true
      rate:
        description: Bytes per second, for example V(20M).
        type: str
        required: true
  device_write_bps:
    description: Write rate limits of devices, in bytes per second.
    type: list
    elements: dict
    suboptions:
      path:
        description: Device path on the host.
        type: str
        required: true
      rate:
        description: Bytes per second, for example V(20M).
        type: str
        required: true
  device_read_iops:
    description: Read rate limits of devices, in operations per second.
    type: list
    elements: dict
    suboptions:
      path:
        description: Device path on the host.
        type: str
        required: true
      rate:
        description: Operations per second.
        type: int
        required: true
  device_write_iops:
    description: Write rate limits of devices, in operations per second.
    type: list
    elements: dict
    suboptions:
      path:
        description: Device path on the host.
        type: str
        required: true
      rate:
        description: Operations per second.
        type: int
        required: true
  storage_opts:
    description:
      - 'Storage driver options of the container, for example V({size: 10G}).'
      - Only some storage drivers accept them (overlay2 on xfs with C(pquota), btrfs, zfs); elsewhere the engine
        refuses the container and the task fails with its message.
    type: dict
  volume_driver:
    description: Volume driver for the volumes of O(volumes) that do not exist yet.
    type: str
  links:
    description: Legacy links to containers on the default bridge, V(name) or V(name:alias).
    type: list
    elements: str
  mac_address:
    description:
      - MAC address of the container, for example V(02:42:ac:11:00:02) (dashes are accepted).
      - The container-wide address of Engine API before 1.44; for a network use O(networks[].mac_address).
    type: str
  platform:
    description:
      - Platform of the container as V(OS[/ARCH[/VARIANT]]), for example V(linux/arm64) (Engine API 1.41).
      - Compared with the platform of the image; a shorter value such as V(linux) matches any architecture.
    type: str
  paused:
    description:
      - With O(state=started) or O(state=healthy), V(true) pauses the running container (its processes are frozen)
        and V(false) resumes a paused one. Not set, the paused state is left alone.
    type: bool
  force_kill:
    description: Kill the container instead of stopping it gracefully, whenever it is stopped (including before a recreate).
    type: bool
    default: false
    aliases: [forcekill]
  kill_signal:
    description: Signal O(force_kill) sends, for example V(SIGINT); the engine's default is V(SIGKILL).
    type: str
  output_logs:
    description: With O(detach=false), also write the container's output to the managed host's log (syslog or journal).
    type: bool
    default: false
  default_host_ip:
    description:
      - Host address for the ports of O(published_ports) that name none, for example V(127.0.0.1) or V(::1).
        Not set, such ports listen on every address (the engine's default).
    type: str
  debug:
    description: Accepted for compatibility with community.docker; the result always has RV(actions) and, with C(--diff), the diff.
    type: bool
    default: false
  use_ssh_client:
    description:
      - Accepted for compatibility with community.docker, where it selects the C(ssh) CLI over paramiko for
        C(ssh://) hosts. berth.docker always talks to C(ssh://) hosts through paramiko (see docs/architecture.md), so the
        value changes nothing.
    type: bool
    default: false
  command_handling:
    description:
      - V(correct) (default) keeps O(command) and O(entrypoint) lists as they are.
      - V(compatibility) behaves like community.docker before 3.0 - list items are joined with spaces and split again
        like a shell would, and an empty value counts as not set.
    type: str
    choices: [compatibility, correct]
    default: correct
  container_default_behavior:
    description:
      - V(no_defaults) (default) compares only the options given.
      - V(compatibility) gives O(auto_remove), O(init), O(interactive), O(paused), O(privileged), O(read_only) and O(tty)
        the value V(false), O(memory) V(0) and O(detach) V(true) when they are not set, as community.docker did before 3.0,
        so they are compared too.
    type: str
    choices: [compatibility, no_defaults]
    default: no_defaults
  image_comparison:
    description:
      - Which image's defaults (ENV, LABEL, EXPOSE, VOLUME, ...) the other options are compared with. V(desired-image)
        (default) uses O(image); V(current-image) uses the image the container runs now.
    type: str
    choices: [desired-image, current-image]
    default: desired-image
  image_label_mismatch:
    description:
      - With O(comparisons) C(labels=strict), V(fail) makes the task fail when the image has labels that O(labels)
        does not list (they cannot be removed from the container); V(ignore) (default) merges the image's labels.
    type: str
    choices: [ignore, fail]
    default: ignore
  image_name_mismatch:
    description:
      - V(recreate) (default) recreates the container when it was created from another name of the image (for example
        an ID or another tag of the same image) than O(image); V(ignore) compares only the image ID.
    type: str
    choices: [ignore, recreate]
    default: recreate
  networks_cli_compatible:
    description:
      - V(true) (default) attaches the container to the first network of O(networks) at create when O(network_mode)
        is not set, like C(docker run --network).
      - V(false) creates it on the default bridge and connects every network of O(networks) after, so it keeps the
        default bridge too (unless O(purge_networks)).
    type: bool
    default: true
  pull_check_mode_behavior:
    description:
      - What check mode says with O(pull=always) for an image the engine already has. V(image_not_present) (default)
        predicts no pull; V(always) reports a pull (a change), as the real run may pull a newer image.
    type: str
    choices: [image_not_present, always]
    default: image_not_present
notes:
  - A container that belongs to a compose project is not recreated unless O(recreate=true).
  - A recreation keeps the old container (renamed aside, still running) until the new one is created, and removes
    it only once the new one is in place. If any later step fails (the engine refuses to create the new one, to
    connect it to a network or to start it; with O(state=healthy) it exits or is not healthy within
    O(healthy_wait_timeout)), the new one is removed and the old one (the same container) gets its name back and runs
    again if it ran; the task fails with the original cause (engine message, health log, or exit code and last log
    lines).
  - With O(pull=always) in check mode the image is not pulled, so a newer image in the registry is not predicted
    (see O(pull_check_mode_behavior)).
  - Every option of C(community.docker.docker_container) 4.8.5 is accepted with its meaning and default. An option
    the engine cannot honour fails the task with what to do - one newer than the engine's API (the message names
    both versions), a cgroup limit the host's kernel discards, C(storage_opts) on a storage driver without them.
'''

EXAMPLES = r'''
- name: A web server on port 8001
  berth.docker.container:
    name: web1
    image: nginx:1.25
    published_ports:
      - "8001:80"
    restart_policy: unless-stopped
    memory: 256m
    env:
      TZ: Asia/Seoul

- name: Wait until the database is healthy
  berth.docker.container:
    name: db
    image: mariadb:11
    state: healthy
    env:
      MARIADB_ROOT_PASSWORD: "{{ vault_db_root_password }}"
    volumes:
      - db-data:/var/lib/mysql
    healthcheck:
      test: ["CMD", "healthcheck.sh", "--connect"]
      interval: 5s
    networks:
      - name: backend
        aliases: [database]

- name: Run a one-off command and read its output (docker run --rm)
  berth.docker.container:
    name: migrate
    image: app:2
    command: ["manage", "migrate"]
    detach: false
    cleanup: true
  register: migrate

- name: Only the image and the ports matter, ignore everything else
  berth.docker.container:
    name: web1
    image: nginx:1.25
    published_ports: ["8001:80"]
    comparisons:
      '*': ignore
      image: strict
      published_ports: strict

- name: Removed
  berth.docker.container:
    name: web1
    state: absent
'''

RETURN = r'''
container:
  description:
    - The container's inspect data (C(docker inspect)) after the run; empty when absent. In check mode, the data before the run.
    - Also returned when O(state=healthy) fails because the container is not healthy in time or exited.
  returned: success, and a failed health wait
  type: dict
actions:
  description: What was done (or, in check mode, would be done), in order.
  returned: always
  type: list
  elements: str
  sample: [recreate, "connect:backend", start]
status:
  description: Exit status of the command with O(detach=false).
  returned: when O(detach=false) and not in check mode
  type: int
  sample: 0
stdout:
  description: Standard output with O(detach=false) (all output when O(tty=true)).
  returned: when O(detach=false) and not in check mode
  type: str
stderr:
  description: Standard error with O(detach=false).
  returned: when O(detach=false) and not in check mode
  type: str
exited:
  description: Why a container this task started stopped right away (exit code and a message with the last log lines).
  returned: when a started container exited at once
  type: dict
  sample: {exit_code: 0, message: "container cal exited with code 0; its command ended; ..."}
'''

from ansible.module_utils.basic import AnsibleModule

from ansible_collections.berth.docker.plugins.module_utils.common import docker_argument_spec, run_module
from ansible_collections.berth.docker.plugins.module_utils.container import failure_details, run_container
from ansible_collections.berth.docker.plugins.module_utils.container_options import argument_spec


def main():
    module = AnsibleModule(argument_spec=docker_argument_spec(argument_spec()), supports_check_mode=True)
    run_module(module, run_container, on_error=failure_details)


if __name__ == '__main__':
    main()
