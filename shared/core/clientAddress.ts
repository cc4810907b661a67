/**
 * The key a client's requests are counted under: its IPv4 address, or the /64 prefix of its IPv6
 * address (a subscriber gets a whole /64, so counting single IPv6 addresses would count nothing).
 * Accepts what hosts and proxies write: `1.2.3.4`, `1.2.3.4:5678`, `2001:db8::1`, `[2001:db8::1]:443`,
 * IPv4-mapped IPv6 (`::ffff:1.2.3.4`, as Node reports IPv4 clients of a dual-stack socket) and a zone
 * (`fe80::1%eth0`). Undefined for anything else.
 */
export function addressKey(raw: string): string | undefined {
  const text = raw.trim();
  const bracketed = /^\[([^\]]+)\](?::(\d{1,5}))?$/.exec(text);
  if (bracketed) return ipv6Key(bracketed[1] as string);
  const withPort = /^([\d.]+):(\d{1,5})$/.exec(text);
  if (withPort) return ipv4(withPort[1] as string);
  return ipv4(text) ?? ipv6Key(text);
}

/**
 * The client of a request that came through App Service's front end, from X-Forwarded-For. A client
 * may send its own header; the front end appends the address it saw, so only the last entry is trusted.
 */
export function forwardedClientAddress(header: string | null): string | undefined {
  if (!header) return undefined;
  const entries = header.split(',');
  return addressKey(entries[entries.length - 1] as string);
}

function ipv4(text: string): string | undefined {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return undefined;
  return parts.map(Number).join('.');
}

function ipv6Key(text: string): string | undefined {
  const groups = ipv6Groups(text.replace(/%[\w.-]+$/, ''));
  if (!groups) return undefined;
  // IPv4-mapped (::ffff:a.b.c.d): the IPv4 client behind a dual-stack socket.
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [hi, lo] = [groups[6] as number, groups[7] as number];
    return [hi >> 8, hi & 255, lo >> 8, lo & 255].join('.');
  }
  return `${groups.slice(0, 4).map((g) => g.toString(16)).join(':')}::/64`;
}

/** The eight 16-bit groups of an IPv6 address, or undefined. */
function ipv6Groups(text: string): number[] | undefined {
  const halves = text.split('::');
  if (halves.length > 2 || !text.includes(':')) return undefined;
  const parse = (half: string): number[] | undefined => {
    if (half === '') return [];
    const groups: number[] = [];
    const parts = half.split(':');
    for (const [i, part] of parts.entries()) {
      const v4 = i === parts.length - 1 && part.includes('.') ? ipv4(part) : undefined;
      if (v4) {
        const [a, b, c, d] = v4.split('.').map(Number) as [number, number, number, number];
        groups.push((a << 8) | b, (c << 8) | d);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(part)) groups.push(parseInt(part, 16));
      else return undefined;
    }
    return groups;
  };
  const head = parse(halves[0] as string);
  const tail = halves.length === 2 ? parse(halves[1] as string) : [];
  if (!head || !tail) return undefined;
  if (halves.length === 1) return head.length === 8 ? head : undefined;
  const missing = 8 - head.length - tail.length;
  return missing >= 1 ? [...head, ...new Array<number>(missing).fill(0), ...tail] : undefined;
}
