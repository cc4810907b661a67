/**
 * The workspace's sounds, made with WebAudio (no audio file to download or host): a two-note chime for
 * an incoming chat, repeated by the page until it is answered, and a short blip for a customer's line
 * in a chat that is not on screen. Browsers keep audio silent until the page has had a click or a key
 * press (autoplay rules), so the sound is `blocked` until then and the top bar says "Click to enable
 * sound", as Drift-style help desks do (faces.md E.1). The agent's choice (on/off) is remembered.
 */
export type SoundState = 'on' | 'off' | 'blocked';

const PREFERENCE_KEY = 'switchboard.workspace.sound';

type Listener = (state: SoundState) => void;

export class AlertSound {
  private context: AudioContext | undefined;
  private wanted: boolean;
  private readonly listeners = new Set<Listener>();

  constructor() {
    this.wanted = localStorage.getItem(PREFERENCE_KEY) !== 'off';
    // A click or key press anywhere lets the sound start, if the agent wants it.
    const unlock = () => {
      if (this.wanted) void this.start();
    };
    document.addEventListener('pointerdown', unlock, { capture: true });
    document.addEventListener('keydown', unlock, { capture: true });
    // The page may already have had a gesture (the sign-in click) before this object existed.
    if (this.wanted && navigator.userActivation?.hasBeenActive) void this.start();
  }

  get state(): SoundState {
    if (!this.wanted) return 'off';
    return this.context?.state === 'running' ? 'on' : 'blocked';
  }

  subscribe(listener: Listener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** From a click: turns the sound on (and lets it play) or off. */
  async set(on: boolean): Promise<void> {
    this.wanted = on;
    localStorage.setItem(PREFERENCE_KEY, on ? 'on' : 'off');
    if (on) await this.start();
    this.changed();
  }

  /** An incoming chat: two rising notes. */
  chime(): void {
    this.play([[659.25, 0], [880, 0.2]], 0.25);
  }

  /** A customer's line: one short, quieter note. */
  blip(): void {
    this.play([[880, 0]], 0.12);
  }

  private async start(): Promise<void> {
    try {
      this.context ??= new AudioContext();
      if (this.context.state !== 'running') await this.context.resume();
    } catch {
      // Still not allowed: the next gesture tries again.
    }
    this.changed();
  }

  private play(notes: [frequency: number, offsetInSeconds: number][], volume: number): void {
    const context = this.context;
    if (this.state !== 'on' || !context) return;
    for (const [frequency, offset] of notes) {
      const at = context.currentTime + offset;
      const oscillator = context.createOscillator();
      const gain = context.createGain();
      oscillator.type = 'sine';
      oscillator.frequency.value = frequency;
      // A soft attack and an exponential fade: a chime, not a beep.
      gain.gain.setValueAtTime(0.0001, at);
      gain.gain.exponentialRampToValueAtTime(volume, at + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, at + 0.35);
      oscillator.connect(gain).connect(context.destination);
      oscillator.start(at);
      oscillator.stop(at + 0.4);
    }
  }

  private changed(): void {
    for (const listener of this.listeners) listener(this.state);
  }
}
