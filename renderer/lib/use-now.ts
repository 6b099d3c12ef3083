import { useEffect, useState } from 'react';

/** The current time, ticking once a second while the component is mounted (for countdowns and "in 12 min"). */
export function useNow(): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const id = setInterval(() => {
      setNow(Date.now());
    }, 1000);
    return () => clearInterval(id);
  }, []);
  return now;
}
