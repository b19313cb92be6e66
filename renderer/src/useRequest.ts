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

/** Run one contract request when the component mounts (and on reload). */
export function useRequest<K extends RequestName>(method: K, input: RequestInput<K>): RequestState<RequestOutput<K>> {
  const [state, setState] = useState<{ data: RequestOutput<K> | null; error: string | null; loading: boolean }>({ data: null, error: null, loading: true });
  const [generation, setGeneration] = useState(0);
  const key = JSON.stringify(input);
  useEffect(() => {
    let live = true;
    setState((s) => ({ ...s, loading: true }));
    lumen.invoke(method, JSON.parse(key)).then(
      (data) => live && setState({ data, error: null, loading: false }),
      (err: unknown) => live && setState({ data: null, error: errorMessage(err), loading: false }),
    );
    return () => {
      live = false;
    };
  }, [method, key, generation]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { ...state, reload };
}
