// Cine: steps through the stack at `fps`, looping; stops when the series changes.
import { useEffect, useRef, useState } from 'react';

export function useCine(opts: { seriesKey: string; index: number; count: number; onIndex: (i: number) => void }) {
  const { seriesKey, index, count, onIndex } = opts;
  const [cine, setCine] = useState(false);
  const [fps, setFps] = useState(10);
  useEffect(() => setCine(false), [seriesKey]);
  const indexRef = useRef(index);
  indexRef.current = index;
  useEffect(() => {
    if (!cine || count < 2) return;
    const t = setInterval(() => onIndex((indexRef.current + 1) % count), 1000 / Math.max(1, fps));
    return () => clearInterval(t);
  }, [cine, fps, count, onIndex]);
  return { cine, setCine, fps, setFps };
}
