import { addressKey, forwardedClientAddress } from '../../shared/core/clientAddress';

describe('client address (pure)', () => {
  test('IPv4 is its own key; a port and IPv4-mapped IPv6 are stripped', () => {
    expect(addressKey('203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('203.0.113.7:51234')).toBe('203.0.113.7');
    expect(addressKey('::ffff:203.0.113.7')).toBe('203.0.113.7');
    expect(addressKey('[::ffff:203.0.113.7]:443')).toBe('203.0.113.7');
  });

  test('IPv6 is limited per /64: one subscriber gets a whole /64', () => {
    const key = addressKey('2001:db8:aa:bb:1:2:3:4');
    expect(key).toBe('2001:db8:aa:bb::/64');
    expect(addressKey('2001:0db8:00aa:00bb:ffff:ffff:ffff:ffff')).toBe(key);
    expect(addressKey('[2001:db8:aa:bb::9]:8080')).toBe(key);
    expect(addressKey('2001:db8:aa:bb::')).toBe(key);
    expect(addressKey('2001:db8:aa:bc::1')).not.toBe(key);
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
  });

  test('anything that is not an address gives no key', () => {
    for (const bad of ['', 'unknown', 'example.com', '1.2.3', '256.1.1.1', '1.2.3.4.5', '2001:db8::1::2', 'g::1', '[::1', '1:2:3:4:5:6:7:8:9', '1.2.3.4:notaport']) {
      expect([bad, addressKey(bad)]).toEqual([bad, undefined]);
    }
  });

  test('X-Forwarded-For: the entry the platform appended (the last), never one the client sent', () => {
    expect(forwardedClientAddress('198.51.100.1:50000')).toBe('198.51.100.1');
    expect(forwardedClientAddress('10.9.9.9, 198.51.100.1:50000')).toBe('198.51.100.1');
    expect(forwardedClientAddress('spoofed, [2001:db8:1:2::5]:443')).toBe('2001:db8:1:2::/64');
    expect(forwardedClientAddress('198.51.100.1, garbage')).toBeUndefined();
    expect(forwardedClientAddress(null)).toBeUndefined();
    expect(forwardedClientAddress('')).toBeUndefined();
  });
});
