import { useEffect, useRef, useSyncExternalStore } from 'react';
import type { Offer } from '../../workspace/contract';
import type { AlertSound, SoundState } from './alertSound';
import type { DesktopNotices } from './desktopNotices';

/** The chime repeats this often while any offer waits (Rocket.Chat's users asked for 10–20 s; D365 repeats until answered). */
const CHIME_EVERY_MS = 4_000;

export function useSoundState(sound: AlertSound): SoundState {
  return useSyncExternalStore((listener) => sound.subscribe(listener), () => sound.state);
}

/**
 * What the agent must not miss, said by sound and desktop notifications: the chime from the first live
 * offer until none is left (it starts as soon as the sound is allowed), and a notification per offer
 * while the tab is hidden, closed when the offer ends.
 */
export function useOfferAlerts(sound: AlertSound, notices: DesktopNotices, offers: Offer[]): void {
  const soundState = useSoundState(sound);
  const waiting = offers.length > 0;

  useEffect(() => {
    if (!waiting || soundState !== 'on') return;
    sound.chime();
    const timer = setInterval(() => sound.chime(), CHIME_EVERY_MS);
    return () => clearInterval(timer);
  }, [sound, waiting, soundState]);

  const announced = useRef(new Set<string>());
  useEffect(() => {
    const live = new Set(offers.map((o) => o.conversationId));
    for (const offer of offers) {
      if (announced.current.has(offer.conversationId)) continue;
      announced.current.add(offer.conversationId);
      notices.show(`offer:${offer.conversationId}`, `Incoming chat: ${offer.customer.name}`, offer.escalationSummary ?? `Queue ${offer.queue}`);
    }
    for (const id of announced.current) {
      if (live.has(id)) continue;
      announced.current.delete(id);
      notices.close(`offer:${id}`);
    }
  }, [notices, offers]);
}
