# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The dependency graph of a project's normalised services: what each service needs first
(depends_on, network_mode service:X, volumes_from, links), the order to start them in, and the
cycles that make an order impossible."""

from ansible_collections.berth.docker.plugins.module_utils.errors import ComposeError


def hard_dependencies(svc):
    """Services whose containers this one's container refers to: network_mode service:X, volumes_from X
    (recreating one of them means recreating this one)."""
    deps = []
    mode = svc.get('network_mode') or ''
    if mode.startswith('service:'):
        deps.append(mode.split(':', 1)[1])
    for item in svc.get('volumes_from') or []:
        if not item.startswith('container:'):
            deps.append(item.split(':', 1)[0])
    return deps


def service_dependencies(svc):
    """Services this one needs first: depends_on, network_mode service:X, volumes_from X, links."""
    deps = list(svc.get('depends_on') or {}) + hard_dependencies(svc)
    for link in svc.get('links') or []:
        deps.append(link.split(':', 1)[0])
    result = []
    for dep in deps:
        if dep not in result:
            result.append(dep)
    return result


def dependency_order(services):
    """Topological order of ``services`` (dict name -> normalised service, in the order the
    compose files list them): dependencies first, and otherwise the file's order, as compose
    starts services. A cycle raises ComposeError naming it."""
    graph = dict((name, list(service_dependencies(svc))) for name, svc in services.items())
    for name, deps in graph.items():
        for dep in deps:
            if dep not in graph:
                raise ComposeError('service %s depends on %s, which is not a service of this project' % (name, dep))
    _refuse_cycles(graph)
    order = []

    def visit(name):
        if name not in order:
            for dep in graph[name]:
                visit(dep)
            order.append(name)

    for name in graph:
        visit(name)
    return order


def _refuse_cycles(graph):
    """ComposeError naming the first cycle found, services and their dependencies taken by name
    (so the message is the same whichever order the files list them in)."""
    state = {}

    def visit(name, stack):
        if state.get(name) == 'done':
            return
        if state.get(name) == 'visiting':
            cycle = stack[stack.index(name):] + [name]
            raise ComposeError('dependency cycle between services: %s; remove one of these depends_on' % ' -> '.join(cycle))
        state[name] = 'visiting'
        for dep in sorted(graph[name]):
            visit(dep, stack + [name])
        state[name] = 'done'

    for name in sorted(graph):
        visit(name, [])


def with_dependencies(services, names):
    """``names`` plus everything they depend on (transitively)."""
    wanted = []
    todo = list(names)
    while todo:
        name = todo.pop(0)
        if name in wanted:
            continue
        wanted.append(name)
        todo.extend(service_dependencies(services[name]))
    return wanted
