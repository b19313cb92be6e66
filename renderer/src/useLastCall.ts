import { useRef } from 'react';

/**
 * For answers applied by hand (not through useRequest, which drops a changed input's reply): an
 * answer to a call the user has since overtaken is dropped, so the screen never shows or acts on
 * what the user left (another series, package, seed or PACS). `begin()` starts a call and returns
 * whether it is still the last one begun; `overtake()` makes every call begun so far late (another
 * PACS chosen); `still()` says, later, whether no call has begun since it was asked.
 */
export interface LastCall {
  begin(): () => boolean;
  overtake(): void;
  still(): () => boolean;
}

export function useLastCall(): LastCall {
  const ref = useRef<LastCall | null>(null);
  if (!ref.current) {
    let n = 0;
    const still = () => {
      const at = n;
      return () => at === n;
    };
    ref.current = {
      begin: () => (n++, still()),
      overtake: () => void n++,
      still,
    };
  }
  return ref.current;
}
