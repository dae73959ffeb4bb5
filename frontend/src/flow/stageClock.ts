export interface StageState {
  /** The shown stage, 0 … count − 1. */
  index: number;
  count: number;
  playing: boolean;
}

export interface StageClock {
  readonly state: Readonly<StageState>;
  /** New frames with `count` stages, shown at `index`; playing goes on. */
  load(count: number, index: number): void;
  /** Show one stage; a user who picks a stage wants to look at it, so playing stops. */
  seek(index: number): void;
  /** Play from the shown stage, or from t = 0 when the last one is shown. */
  play(): void;
  pause(): void;
  toggle(): void;
}

/**
 * The stage slider's state machine. Playing advances `stagesPerSecond` and stops at the
 * last stage (t = 1), where the final segmentation is drawn, rather than looping past it.
 * `onChange` runs after every change of the state.
 */
export function stageClock(onChange: (state: Readonly<StageState>) => void, stagesPerSecond = 10): StageClock {
  const state: StageState = { index: 0, count: 0, playing: false };
  let timer: ReturnType<typeof setInterval> | undefined;

  const setPlaying = (playing: boolean): void => {
    clearInterval(timer);
    timer = playing ? setInterval(advance, 1000 / stagesPerSecond) : undefined;
    state.playing = playing;
  };
  const last = (): number => state.count - 1;

  function advance(): void {
    state.index = Math.min(state.index + 1, last());
    if (state.index === last()) setPlaying(false);
    onChange(state);
  }

  return {
    state,
    load(count, index) {
      state.count = count;
      state.index = clamp(index, 0, last());
      if (state.playing && state.index === last()) setPlaying(false);
      onChange(state);
    },
    seek(index) {
      setPlaying(false);
      state.index = clamp(index, 0, last());
      onChange(state);
    },
    play() {
      if (state.count < 2 || state.playing) return;
      if (state.index === last()) state.index = 0;
      setPlaying(true);
      onChange(state);
    },
    pause() {
      if (!state.playing) return;
      setPlaying(false);
      onChange(state);
    },
    toggle() {
      if (state.playing) this.pause();
      else this.play();
    },
  };
}

function clamp(value: number, lo: number, hi: number): number {
  return Math.min(Math.max(value, lo), Math.max(lo, hi));
}
