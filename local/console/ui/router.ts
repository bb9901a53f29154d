import { useEffect, useState } from 'preact/hooks';
import { html } from './html.ts';

/** The console's views live under this path; every view has a URL of its own, so links can point at it. */
export const BASE = '/console';

export interface Route {
  /** The path below BASE: `/`, `/jobs`, `/jobs/<id>`, `/dlq`. */
  readonly path: string;
  readonly query: URLSearchParams;
}

function current(): Route {
  return { path: location.pathname.slice(BASE.length).replace(/\/$/, '') || '/', query: new URLSearchParams(location.search) };
}

export function navigate(to: string): void {
  history.pushState(null, '', to);
  dispatchEvent(new PopStateEvent('popstate'));
}

export function useRoute(): Route {
  const [route, setRoute] = useState(current);
  useEffect(() => {
    const onChange = () => setRoute(current());
    addEventListener('popstate', onChange);
    return () => removeEventListener('popstate', onChange);
  }, []);
  return route;
}

/** A link that changes the view without reloading the page (a plain link still works: the server answers every view). */
export function Link(props: { href: string; children?: unknown; class?: string; testid?: string }) {
  const onClick = (event: MouseEvent) => {
    if (event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    event.preventDefault();
    navigate(props.href);
  };
  return html`<a href=${props.href} class=${props.class} data-testid=${props.testid} onClick=${onClick}>${props.children}</a>`;
}

/** Calls `load` now and every `intervalMs` while the view is shown; the view re-renders with each answer. */
export function usePolling<T>(load: () => Promise<T>, intervalMs: number | undefined, deps: unknown[]) {
  const [state, setState] = useState<{ value?: T; error?: string; at?: Date }>({});
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let cancelled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const run = () =>
      load()
        .then(
          (value) => !cancelled && setState({ value, at: new Date() }),
          (error: unknown) =>
            !cancelled && setState((previous) => ({ ...previous, error: String(error instanceof Error ? error.message : error) })),
        )
        .finally(() => {
          if (!cancelled && intervalMs !== undefined) timer = setTimeout(run, intervalMs);
        });
    void run();
    return () => {
      cancelled = true;
      clearTimeout(timer);
    };
  }, [...deps, tick]);
  return { ...state, reload: () => setTick((value) => value + 1) };
}
