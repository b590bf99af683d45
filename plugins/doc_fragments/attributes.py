# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:
    """The attributes every module declares, in the form Ansible's module docs use.

    ``berth.docker.attributes`` gives the descriptions of check_mode, diff_mode and idempotent; each module
    states its own ``support`` (full, partial, none or N/A) and ``details`` next to it, in its own
    DOCUMENTATION, and the two are merged attribute by attribute. The other pieces are complete
    declarations: ``info_module`` for modules that only read, ``actiongroup_docker`` for the modules of
    the ``berth.docker.docker`` action group, ``platform_posix`` for modules that run on any POSIX host.
    """

    DOCUMENTATION = r'''
options: {}
attributes:
  check_mode:
    description:
      - Whether the module runs with C(--check), and how well it then predicts C(changed) without touching the target.
  diff_mode:
    description:
      - Whether the module returns what it changed (or, in check mode, would change) as a C(diff) when run with C(--diff).
  idempotent:
    description:
      - Whether a second run outside check mode, with the same arguments and nothing else changed in between,
        reports no change.
'''

    INFO_MODULE = r'''
options: {}
attributes:
  check_mode:
    support: full
    details:
      - The module only reads, so check mode runs it as usual and returns the same information.
  diff_mode:
    support: N/A
    details:
      - The module changes nothing, so there is nothing to diff.
  idempotent:
    support: full
    details:
      - The module changes nothing and always reports C(changed=false).
'''

    ACTIONGROUP_DOCKER = r'''
options: {}
attributes:
  action_group:
    description:
      - Member of the action group C(berth.docker.docker); set shared options such as O(docker_host) once for
        every module of the group with C(module_defaults) and C(group/berth.docker.docker).
    support: full
    membership:
      - berth.docker.docker
'''

    PLATFORM_POSIX = r'''
options: {}
attributes:
  platform:
    description: The kinds of target host the module runs on.
    support: full
    platforms: posix
'''
