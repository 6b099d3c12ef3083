/** The parts of a V8 `.cpuprofile` (as written by `node --cpu-prof`) that a self-time summary needs. */
export interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: {
      readonly functionName: string;
      readonly url: string;
      readonly lineNumber: number;
    };
  }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

export interface FrameShare {
  /** `function file:line`, the file shortened to its last two path segments. */
  readonly frame: string;
  /** Share of all sampled time, in percent with one decimal. */
  readonly percent: number;
}

function frameName(callFrame: CpuProfile['nodes'][number]['callFrame']): string {
  const file = callFrame.url === '' ? '' : callFrame.url.split('/').slice(-2).join('/');
  const name = callFrame.functionName === '' ? '(anonymous)' : callFrame.functionName;
  return file === '' ? name : `${name} ${file}:${callFrame.lineNumber + 1}`;
}

/**
 * The frames where the most time was spent *in the frame itself* (self time), summed over every call site,
 * largest first. `(idle)` is left out, so the shares are of the time the process was busy.
 */
export function topSelfFrames(profile: CpuProfile, count: number): FrameShare[] {
  const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfTime = new Map<string, number>();
  let busy = 0;
  profile.samples.forEach((id, i) => {
    const node = nodes.get(id);
    const dt = profile.timeDeltas[i] ?? 0;
    if (node === undefined || node.callFrame.functionName === '(idle)') return;
    const name = frameName(node.callFrame);
    selfTime.set(name, (selfTime.get(name) ?? 0) + dt);
    busy += dt;
  });
  if (busy === 0) return [];
  return [...selfTime]
    .sort((a, b) => b[1] - a[1])
    .slice(0, count)
    .map(([frame, t]) => ({ frame, percent: Math.round((1000 * t) / busy) / 10 }));
}
