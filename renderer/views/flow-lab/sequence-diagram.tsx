import { useId } from 'react';
import type { DiagramModel } from '../../flow-lab/diagram.js';

const LANE_GAP = 180;
const LEFT = 90;
const TOP = 60;
const ROW = 44;
const STATUSES = ['pending', 'current', 'accepted', 'rejected', 'local'] as const;

/** The sequence diagram (app, browser, authorization server, FHIR server), the current step highlighted. */
export function SequenceDiagram({
  model,
  onPick,
}: {
  readonly model: DiagramModel;
  readonly onPick: (index: number) => void;
}) {
  const id = useId().replaceAll(':', '');
  const width = LEFT * 2 + LANE_GAP * (model.lanes.length - 1);
  const height = TOP + ROW * model.arrows.length + 16;
  const x = (lane: number) => LEFT + lane * LANE_GAP;
  return (
    <svg
      className="sequence"
      viewBox={`0 0 ${width} ${height}`}
      role="group"
      aria-label="Sequence diagram: App, Browser, Authorization server, FHIR server"
    >
      <defs>
        {STATUSES.map((s) => (
          <marker
            key={s}
            id={`${id}-${s}`}
            className={`arrowhead ${s}`}
            viewBox="0 0 10 10"
            refX="9"
            refY="5"
            markerWidth="7"
            markerHeight="7"
            orient="auto-start-reverse"
          >
            <path d="M0,0 L10,5 L0,10 z" />
          </marker>
        ))}
      </defs>
      {model.lanes.map((lane, i) => (
        <g key={lane.id} className="lane" aria-hidden="true">
          <rect x={x(i) - 86} y={4} width={172} height={34} rx={6} />
          <text x={x(i)} y={26} textAnchor="middle">
            {lane.label}
          </text>
          <line x1={x(i)} y1={38} x2={x(i)} y2={height - 4} />
        </g>
      ))}
      {model.arrows.map((a) => {
        const y = TOP + a.index * ROW + 14;
        const marker = `url(#${id}-${a.status})`;
        const from = x(a.from);
        const to = x(a.to);
        return (
          <g
            key={a.index}
            className={`arrow ${a.status}`}
            data-status={a.status}
            role="img"
            aria-label={a.label}
            onClick={() => onPick(a.index)}
          >
            <title>{a.label}</title>
            {a.status === 'current' ? (
              <rect className="current-band" x={4} y={y - 24} width={width - 8} height={ROW - 2} rx={4} />
            ) : null}
            {a.self ? (
              <path d={`M${from},${y - 8} h40 v14 h-38`} markerEnd={marker} fill="none" />
            ) : (
              <line
                x1={from + (to > from ? 4 : -4)}
                y1={y}
                x2={to + (to > from ? -4 : 4)}
                y2={y}
                markerEnd={marker}
              />
            )}
            <text x={a.self ? from + 48 : (from + to) / 2} y={y - 7} textAnchor={a.self ? 'start' : 'middle'}>
              {a.index + 1}. {a.title}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
