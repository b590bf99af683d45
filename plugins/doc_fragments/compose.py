# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)


class ModuleDocFragment:

    # The options that choose a compose project (module_utils/compose/options.py PROJECT_SPEC).
    DOCUMENTATION = r'''
options:
  project_src:
    description:
      - Directory on the managed host that holds the project. Without O(files), the first of C(compose.yaml),
        C(compose.yml), C(docker-compose.yml), C(docker-compose.yaml) found there is read, plus its
        C(compose.override.*) / C(docker-compose.override.*) file, as compose does.
      - It is the project directory. Relative host paths in C(volumes), C(env_file) and C(build) are resolved
        against it, and C(.env) is read from it. With O(definition) it only sets that directory.
    type: path
  files:
    description:
      - Compose files on the managed host, merged in order like C(docker-compose -f a.yml -f b.yml); later files
        override earlier ones by the compose specification's merge rules (maps merged by key, C(environment),
        C(labels), C(volumes) by variable / target, C(ports) and other lists appended, C(command) and
        C(entrypoint) replaced).
      - Relative names are relative to O(project_src); without O(project_src) the directory of the first file is
        the project directory.
      - Reading files needs PyYAML on the managed host (C(python3-yaml) or C(pip install pyyaml)); O(definition) does not.
    type: list
    elements: path
  definition:
    description:
      - The project inline, as a dictionary with the content of a compose file, so it can be templated on the
        controller. Needs no PyYAML on the managed host.
      - Mutually exclusive with O(files).
    type: dict
  project_name:
    description:
      - The project name. Defaults to the top-level C(name) key, then C(COMPOSE_PROJECT_NAME) (environment or
        C(.env)), then the base name of the project directory.
      - Normalised like compose does (lower case; only letters, digits, C(_) and C(-)).
      - Alone (without O(project_src), O(files) or O(definition)) it names an existing project, found by its
        C(com.docker.compose.project) label.
    type: str
  env_files:
    description:
      - Files with C(KEY=VALUE) lines for variable interpolation, instead of the project's C(.env) (like
        C(docker-compose --env-file)). Relative names are relative to the project directory.
      - Variables of the module's process environment win over these files, as the shell's do for compose.
      - Values from these files, C(.env) and a service's C(env_file) are never shown; environment values and build
        args are masked in results, diffs and the C(config) of M(berth.docker.compose_info), and a line that does not
        parse is reported by file and line number only.
    type: list
    elements: path
  profiles:
    description:
      - Profiles to enable (like C(--profile)). Services with C(profiles) run only when one of theirs is enabled,
        or when named in O(services). Defaults to C(COMPOSE_PROFILES).
    type: list
    elements: str
'''
