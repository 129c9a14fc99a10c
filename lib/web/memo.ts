import { Component, type ComponentChild } from 'preact';

/**
 * A component that renders again only when one of its props changed: values compared with `===`, arrays item by
 * item. The views ask for their data afresh every 2 s, so equal arrays are seldom the same objects; a poll that
 * changed nothing then re-renders nothing.
 */
export function memo<P extends object>(render: (props: P) => ComponentChild) {
  return class Memo extends Component<P> {
    override shouldComponentUpdate(next: P): boolean {
      return !sameProps(this.props, next);
    }

    override render(props: P): ComponentChild {
      return render(props);
    }
  };
}

function sameProps(before: object, after: object): boolean {
  const was = before as Record<string, unknown>;
  const now = after as Record<string, unknown>;
  const keys = Object.keys(now);
  if (keys.length !== Object.keys(was).length) return false;
  return keys.every((key) => {
    const [a, b] = [was[key], now[key]];
    return a === b || (Array.isArray(a) && Array.isArray(b) && a.length === b.length && a.every((x, i) => x === b[i]));
  });
}
