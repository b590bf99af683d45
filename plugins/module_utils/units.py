# Copyright (c) berth.docker contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""The one parser for sizes and durations, as the docker CLI and compose write them.

Sizes use binary units (512m = 512 MiB; '1g', '1GB', '1GiB' and '1.5G' all work). Durations are
Go's (30s, 1m30s, 500ms; a plain number means seconds). Both raise :class:`SpecError` naming
the field.
"""

import re

from ansible_collections.berth.docker.plugins.module_utils.errors import SpecError

SIZE_UNITS = {'': 1, 'b': 1, 'k': 1024, 'm': 1024 ** 2, 'g': 1024 ** 3, 't': 1024 ** 4, 'p': 1024 ** 5}
DURATION_UNITS = {'ns': 1, 'us': 1000, 'µs': 1000, 'ms': 1000 ** 2, 's': 1000 ** 3, 'm': 60 * 1000 ** 3,
                  'h': 3600 * 1000 ** 3}


def parse_size(value, field='size', allow_unlimited=False, positive=False):
    """'512m' / '1.5G' / '1GiB' / '1024' / 2048 -> bytes; None stays None.

    With ``allow_unlimited``, -1 / '-1' / 'unlimited' -> -1. With ``positive``, 0 is refused."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise SpecError(field, 'expected a size like 512m or 1g, got %r' % (value,))
    if isinstance(value, int):
        size = value
    else:
        text = str(value).strip().lower()
        if allow_unlimited and text in ('-1', 'unlimited'):
            return -1
        match = re.match(r'^(\d+(?:\.\d+)?)\s*([bkmgtp]?)(?:i?b)?$', text)
        if not match:
            raise SpecError(field, 'cannot parse %r as a size; write a number with an optional unit b, k, m, g, t '
                            '(binary: 512m = 512 MiB), for example 512m or 1g%s'
                            % (value, ', or unlimited' if allow_unlimited else ''))
        size = int(float(match.group(1)) * SIZE_UNITS[match.group(2)])
    if size == -1 and allow_unlimited:
        return -1
    if size < 0:
        raise SpecError(field, 'a size cannot be negative: %r' % (value,))
    if positive and size == 0:
        raise SpecError(field, 'the size %r must be larger than 0' % (value,))
    return size


def parse_duration(value, field='duration'):
    """'30s' / '1m30s' / '500ms' / 10 (seconds) -> nanoseconds; None stays None."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise SpecError(field, 'expected a duration like 30s, got %r' % (value,))
    if isinstance(value, (int, float)):
        if value < 0:
            raise SpecError(field, 'a duration cannot be negative')
        return int(value * 1000 ** 3)
    text = str(value).strip().lower()
    if re.match(r'^\d+(\.\d+)?$', text):
        return int(float(text) * 1000 ** 3)
    parts = re.findall(r'(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)', text)
    if not parts or ''.join(n + u for n, u in parts) != text:
        raise SpecError(field, 'cannot parse %r as a duration; write for example 30s, 1m30s, 500ms or 2h '
                        '(units h, m, s, ms, us, ns; a plain number means seconds)' % (value,))
    return int(sum(float(n) * DURATION_UNITS[u] for n, u in parts))
