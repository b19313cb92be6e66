import { useCallback, useEffect, useState } from 'react';
import type { RequestInput, RequestName, RequestOutput } from '../../common/contract';
import { lumen } from './api';
import { errorMessage } from '../../common/errors';

export interface RequestState<T> {
  data: T | null;
  error: string | null;
  loading: boolean;
  reload: () => void;
}

/**
 * Run one contract request when the component mounts, again when its input changes, and on
 * reload. With `enabled: false` (say, until the input is known) nothing is sent and the last
 * answer stays; a reply to an input that has since changed is dropped.
 */
export function useRequest<K extends RequestName>(method: K, input: RequestInput<K>, options: { enabled?: boolean } = {}): RequestState<RequestOutput<K>> {
  const enabled = options.enabled ?? true;
  const [state, setState] = useState<{ data: RequestOutput<K> | null; error: string | null; loading: boolean }>({ data: null, error: null, loading: enabled });
  const [generation, setGeneration] = useState(0);
  const key = JSON.stringify(input);
  useEffect(() => {
    if (!enabled) return;
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    lumen.invoke(method, JSON.parse(key)).then(
      (data) => live && setState({ data, error: null, loading: false }),
      (err: unknown) => live && setState({ data: null, error: errorMessage(err), loading: false }),
    );
    return () => {
      live = false;
    };
  }, [method, key, generation, enabled]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { ...state, reload };
}
