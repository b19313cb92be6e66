import type { Measurement } from '../../../common/contract/measurements';
import type { LoadedFrame } from './image';
import { KIND_NAMES, measurementText } from './measurementText';
import './measurements.css';

/**
 * The measurements on the image shown, under the corner text, each numbered within its kind
 * with what it reads ("Ellipse 1: Area 120.3 mm² · mean 40.2 ..."): a click on one picks it
 * (as a click on its outline does), its ✕ deletes it. A failed save says so here.
 */
export function MeasurementList(props: {
  items: Measurement[];
  selected: string | null;
  /** The frame shown: regions and probes read its values (modality units). */
  frame: LoadedFrame | null;
  onSelect: (id: string | null) => void;
  onDelete: (id: string) => void;
  /** The measurement just deleted on this image: offered back with one click (as Ctrl+Z does). */
  deleted?: Measurement | null;
  onUndo?: () => void;
  error: string | null;
  onDismissError: () => void;
}) {
  const { items, selected } = props;
  return (
    <>
      {items.length > 0 && (
        <ul className="measure-list" data-testid="measurements" aria-label="Measurements on this image">
          {items.map((m) => {
            const name = `${KIND_NAMES[m.kind]} ${items.filter((x) => x.kind === m.kind).indexOf(m) + 1}`;
            return (
            <li key={m.id} className={m.id === selected ? 'selected' : ''}>
              <button className="measure-pick" aria-pressed={m.id === selected} onClick={() => props.onSelect(m.id === selected ? null : m.id)} onPointerDown={(e) => e.stopPropagation()}>
                {name}: {measurementText(m, props.frame)}
              </button>
              <button className="measure-delete" aria-label={`Delete ${name.toLowerCase()}`} title="Delete (Del)" onClick={() => props.onDelete(m.id)} onPointerDown={(e) => e.stopPropagation()}>
                ✕
              </button>
            </li>
            );
          })}
        </ul>
      )}
      {props.deleted && props.onUndo && (
        <div className="measure-undo" role="status">
          <span>{KIND_NAMES[props.deleted.kind]} deleted.</span>
          <button className="measure-undo-button" aria-label={`Undo deleting the ${KIND_NAMES[props.deleted.kind].toLowerCase()} (Ctrl+Z)`} title="Undo (Ctrl+Z)" onClick={props.onUndo} onPointerDown={(e) => e.stopPropagation()}>
            Undo
          </button>
        </div>
      )}
      {props.error && (
        <div className="measure-error" role="alert">
          {props.error}{' '}
          <button className="measure-delete" aria-label="Dismiss" onClick={props.onDismissError} onPointerDown={(e) => e.stopPropagation()}>
            ✕
          </button>
        </div>
      )}
    </>
  );
}
