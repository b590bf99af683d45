# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Controller side of berth.docker.container_copy_into: runs the module, then turns the scrambled
texts of a diff of O(content) back (the module scrambles them so no_log does not mask them)."""

from ansible.plugins.action import ActionBase

from ansible_collections.berth.docker.plugins.module_utils.copy_into import unscramble


class ActionModule(ActionBase):
    TRANSFERS_FILES = False

    def run(self, tmp=None, task_vars=None):
        self._supports_check_mode = True
        self._supports_async = True
        result = super(ActionModule, self).run(tmp, task_vars)
        result.update(self._execute_module(task_vars=task_vars, wrap_async=self._task.async_val))
        diff = result.get('diff')
        if isinstance(diff, dict) and diff.get('scrambled'):
            unscramble(diff)
        return result
