// CLIENT TRACKING / CACHING / GETREDIR / TRACKINGINFO, and the INFO fields and RESET behaviour
// of client-side caching (the machinery lives in server/tracking.ts).
import type { Registry } from './registry.js';
import { clientResetHooks, type Client } from '../server/client.js';
import { registerInfoFields } from '../server/info.js';
import { trackingOf, trackingState, type TrackingOptions } from '../server/tracking.js';
import { E } from '../errors.js';
import { parseInt64 } from '../util/number.js';
import { isArg } from './util.js';

/** Two prefixes overlap when one starts with the other (they would report the same keys). */
function overlaps(a: string, b: string): boolean {
  return a.length <= b.length ? b.startsWith(a) : a.startsWith(b);
}

function clientTracking(c: Client, argv: Buffer[]): void {
  const o: TrackingOptions = { redirect: 0, bcast: false, optin: false, optout: false, noloop: false, prefixes: [] };
  for (let j = 3; j < argv.length; j++) {
    const a = argv[j]!;
    const more = j + 1 < argv.length;
    if (more && isArg(a, 'redirect')) {
      j++;
      if (o.redirect !== 0) { c.w.error(E.trackingOneRedirect); return; }
      const id = parseInt64(argv[j]!);
      if (id === null) { c.w.error(E.notInteger); return; }
      const target = c.server.clients.get(id);
      if (target === undefined || target.closed) { c.w.error(E.trackingNoRedirectClient); return; }
      o.redirect = id;
    } else if (isArg(a, 'bcast')) o.bcast = true;
    else if (isArg(a, 'optin')) o.optin = true;
    else if (isArg(a, 'optout')) o.optout = true;
    else if (isArg(a, 'noloop')) o.noloop = true;
    else if (more && isArg(a, 'prefix')) {
      j++;
      o.prefixes.push(argv[j]!.latin1Slice(0, argv[j]!.length));
    } else {
      c.w.error(E.syntax);
      return;
    }
  }
  const mode = argv[2]!;
  if (isArg(mode, 'on')) {
    const cur = trackingOf(c.server)?.get(c);
    if (!o.bcast && o.prefixes.length > 0) { c.w.error(E.trackingPrefixNeedsBcast); return; }
    if (cur !== undefined && cur.bcast !== o.bcast) { c.w.error(E.trackingBcastSwitch); return; }
    if (o.bcast && (o.optin || o.optout)) { c.w.error(E.trackingOptBcast); return; }
    if (o.optin && o.optout) { c.w.error(E.trackingOptinOptout); return; }
    if (cur !== undefined && ((o.optin && cur.optout) || (o.optout && cur.optin))) {
      c.w.error(E.trackingOptSwitch);
      return;
    }
    if (o.bcast) {
      const existing = cur?.prefixes ?? [];
      for (let i = 0; i < o.prefixes.length; i++) {
        const p = o.prefixes[i]!;
        for (const e of existing) {
          if (overlaps(e, p)) { c.w.error(E.trackingPrefixOverlapsExisting(p, e)); return; }
        }
        for (let k = i + 1; k < o.prefixes.length; k++) {
          if (overlaps(p, o.prefixes[k]!)) { c.w.error(E.trackingPrefixOverlapsGiven(p, o.prefixes[k]!)); return; }
        }
      }
    }
    trackingState(c.server).enable(c, o);
  } else if (isArg(mode, 'off')) {
    trackingOf(c.server)?.disable(c);
  } else {
    c.w.error(E.syntax);
    return;
  }
  c.w.ok();
}

function clientCaching(c: Client, argv: Buffer[]): void {
  const t = trackingOf(c.server)?.get(c);
  if (t === undefined) { c.w.error(E.cachingNotTracking); return; }
  const a = argv[2]!;
  if (isArg(a, 'yes')) {
    if (!t.optin) { c.w.error(E.cachingYesNeedsOptin); return; }
  } else if (isArg(a, 'no')) {
    if (!t.optout) { c.w.error(E.cachingNoNeedsOptout); return; }
  } else {
    c.w.error(E.syntax);
    return;
  }
  t.caching = true;
  c.w.ok();
}

function clientGetRedir(c: Client): void {
  const t = trackingOf(c.server)?.get(c);
  c.w.int(t === undefined ? -1 : t.redirect);
}

function clientTrackingInfo(c: Client): void {
  const t = trackingOf(c.server)?.get(c);
  const w = c.w;
  w.map(3);
  w.bulk('flags');
  const flags: string[] = [t ? 'on' : 'off'];
  if (t) {
    if (t.bcast) flags.push('bcast');
    if (t.optin) { flags.push('optin'); if (t.caching) flags.push('caching-yes'); }
    if (t.optout) { flags.push('optout'); if (t.caching) flags.push('caching-no'); }
    if (t.noloop) flags.push('noloop');
    if (t.brokenRedirect) flags.push('broken_redirect');
  }
  w.set(flags.length);
  for (const f of flags) w.bulk(f);
  w.bulk('redirect');
  w.int(t === undefined ? -1 : t.redirect);
  w.bulk('prefixes');
  const prefixes = t?.prefixes ?? [];
  w.arr(prefixes.length);
  for (const p of prefixes) w.bulkLatin1(p);
}

let globalsInstalled = false;

export function registerTracking(r: Registry): void {
  r.handle('client|tracking', clientTracking);
  r.handle('client|caching', clientCaching);
  r.handle('client|getredir', clientGetRedir);
  r.handle('client|trackinginfo', clientTrackingInfo);
  if (!globalsInstalled) {
    globalsInstalled = true;
    // RESET turns tracking off.
    clientResetHooks.push((c) => { trackingOf(c.server)?.disable(c); });
    registerInfoFields('clients', (s) => ({ tracking_clients: trackingOf(s)?.clients.size ?? 0 }));
    registerInfoFields('stats', (s) => {
      const st = trackingOf(s);
      return {
        tracking_total_keys: st?.totalKeys ?? 0,
        tracking_total_items: st?.totalItems ?? 0,
        tracking_total_prefixes: st?.totalPrefixes ?? 0,
      };
    });
  }
}
