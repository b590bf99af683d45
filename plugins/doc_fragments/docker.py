# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:

    # Connection options shared by every module that talks to the Engine API.
    DOCUMENTATION = r'''
options:
  docker_host:
    description:
      - The engine to talk to. V(unix:///path/to/docker.sock), V(tcp://HOST:PORT) (plain or with O(tls)),
        or V(ssh://USER@HOST[:PORT]) (needs the Python package paramiko on the host running the module;
        the remote user must be able to run C(docker system dial-stdio)).
      - If not set, the environment variable E(DOCKER_HOST) is used, then V(unix:///var/run/docker.sock).
    type: str
    default: unix:///var/run/docker.sock
    aliases: [docker_url]
  api_version:
    description:
      - The Engine API version to speak. V(auto) (the default) negotiates it from C(GET /version), taking
        the engine's own version, capped at the newest one this collection knows. Never a fixed pin, so
        engines from Docker 1.13 (API 1.25) to Docker 29 (which refuses clients below 1.44) work.
      - Set a version such as V(1.43) only to force one; it must be V(1.25) or newer and lie within what
        the engine accepts.
      - An option that needs a newer API version than the one in use fails the task before anything is
        changed, naming the option and the version it needs; it is never silently ignored.
      - If not set, the environment variable E(DOCKER_API_VERSION) is used.
    type: str
    default: auto
    aliases: [docker_api_version]
  timeout:
    description:
      - Seconds to wait for an answer from the engine before failing.
      - If not set, the environment variable E(DOCKER_TIMEOUT) is used.
      - On M(berth.docker.compose) this option is the stop timeout (as on community.docker.docker_compose_v2)
        and the Engine API timeout is O(api_timeout) only.
    type: int
    default: 60
    aliases: [api_timeout]
  tls:
    description:
      - Use TLS for a V(tcp://) O(docker_host) without verifying the engine's certificate.
      - If not set, the environment variable E(DOCKER_TLS) is used.
    type: bool
    default: false
  validate_certs:
    description:
      - Use TLS and verify the engine's certificate against O(ca_path) (and its host name against
        O(tls_hostname) or the host in O(docker_host)).
      - If not set, the environment variable E(DOCKER_TLS_VERIFY) is used (any non-empty value but V(0) means true).
    type: bool
    default: false
    aliases: [tls_verify]
  ca_path:
    description:
      - CA certificate that signed the engine's certificate.
      - If not set and E(DOCKER_CERT_PATH) is, C(ca.pem) in that directory.
    type: path
    aliases: [ca_cert, tls_ca_cert, cacert_path]
  client_cert:
    description:
      - Client certificate presented to the engine.
      - If not set and E(DOCKER_CERT_PATH) is, C(cert.pem) in that directory.
    type: path
    aliases: [tls_client_cert, cert_path]
  client_key:
    description:
      - Private key of O(client_cert).
      - If not set and E(DOCKER_CERT_PATH) is, C(key.pem) in that directory.
    type: path
    aliases: [tls_client_key, key_path]
  tls_hostname:
    description:
      - Host name to check the engine's certificate against when it differs from the host in O(docker_host).
      - If not set, the environment variable E(DOCKER_TLS_HOSTNAME) is used.
    type: str
notes:
  - Talks to the Engine API directly with the Python standard library; the managed host needs no
    Docker SDK, no C(requests) and no docker CLI.
'''
