// Expands the events of an iCalendar file with ical.js, as a calendar client would.
//
//   node tests/js/expand.mjs WINDOW_START WINDOW_END < feed.ics
//
// WINDOW_START/END are ISO 8601 times with an offset. Prints a JSON array of
// {uid, start, end, status, summary} (start/end in UTC ISO form) for every occurrence that
// overlaps [WINDOW_START, WINDOW_END). ical.js is loaded from ICALJS_NODE_MODULES (the
// node_modules folder filled by tests/calendar_parsers.py:ensure_icaljs) or, failing that,
// resolved normally (an `npm install` in tests/js).

import { createRequire } from "node:module";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { readFileSync } from "node:fs";

async function loadIcal() {
  const folder = process.env.ICALJS_NODE_MODULES;
  if (folder) {
    // ESM ignores NODE_PATH, so resolve the package's entry point from the folder itself.
    const resolved = createRequire(join(folder, "noop.js")).resolve("ical.js");
    return (await import(pathToFileURL(resolved).href)).default;
  }
  return (await import("ical.js")).default;
}

const ICAL = await loadIcal();

const [startArg, endArg] = process.argv.slice(2);
const windowStart = Date.parse(startArg);
const windowEnd = Date.parse(endArg);
if (Number.isNaN(windowStart) || Number.isNaN(windowEnd)) {
  console.error(`usage: expand.mjs START END (ISO 8601 with offset), got ${startArg} ${endArg}`);
  process.exit(2);
}
// An override may move an occurrence a long way; look this far past the window for the
// original starts of occurrences moved into it.
const MOVE_MARGIN_MS = 400 * 24 * 3600 * 1000;
const MAX_OCCURRENCES = 1_000_000;

const text = readFileSync(0, "utf8");
const root = new ICAL.Component(ICAL.parse(text));

for (const vtimezone of root.getAllSubcomponents("vtimezone")) {
  ICAL.TimezoneService.register(vtimezone);
}

// A time with a TZID must be read in that zone, never silently as floating or UTC time:
// that would hide a VTIMEZONE that ical.js cannot use.
function checkZone(component, name) {
  for (const prop of component.getAllProperties(name)) {
    const tzid = prop.getParameter("tzid");
    if (!tzid) continue;
    for (const value of prop.getValues()) {
      if (!value.zone || value.zone.tzid !== tzid) {
        const got = value.zone ? value.zone.tzid : "none";
        throw new Error(`${name.toUpperCase()};TZID=${tzid} read in zone ${got}`);
      }
    }
  }
}

const vevents = root.getAllSubcomponents("vevent");
const byUid = new Map();
for (const vevent of vevents) {
  for (const name of ["dtstart", "dtend", "recurrence-id", "exdate"]) {
    checkZone(vevent, name);
  }
  const uid = vevent.getFirstPropertyValue("uid");
  if (!byUid.has(uid)) byUid.set(uid, { masters: [], exceptions: [] });
  const entry = byUid.get(uid);
  (vevent.hasProperty("recurrence-id") ? entry.exceptions : entry.masters).push(vevent);
}

const instances = [];

function add(item, startDate, endDate) {
  const start = startDate.toJSDate().getTime();
  const end = endDate.toJSDate().getTime();
  if (start < windowEnd && end > windowStart) {
    instances.push({
      uid: item.uid,
      start: new Date(start).toISOString(),
      end: new Date(end).toISOString(),
      status: item.component.getFirstPropertyValue("status") ?? "",
      summary: item.summary ?? "",
    });
  }
}

for (const [uid, { masters, exceptions }] of byUid) {
  if (masters.length > 1) {
    throw new Error(`${masters.length} VEVENTs without RECURRENCE-ID share the UID ${uid}`);
  }
  if (masters.length === 0) {
    // Overrides without their series: show them as they are.
    for (const vevent of exceptions) {
      const event = new ICAL.Event(vevent);
      add(event, event.startDate, event.endDate);
    }
    continue;
  }
  // Relate only this UID's exceptions: left to itself, ICAL.Event would relate every
  // VEVENT with a RECURRENCE-ID in the calendar, whatever its UID.
  const event = new ICAL.Event(masters[0], { strictExceptions: true, exceptions: [] });
  for (const vevent of exceptions) {
    event.relateException(vevent);
  }
  if (!event.isRecurring()) {
    add(event, event.startDate, event.endDate);
    continue;
  }
  const iterator = event.iterator();
  let count = 0;
  for (let next = iterator.next(); next; next = iterator.next()) {
    if (next.toJSDate().getTime() >= windowEnd + MOVE_MARGIN_MS) break;
    if (++count > MAX_OCCURRENCES) throw new Error(`${uid}: more than ${MAX_OCCURRENCES} occurrences`);
    const details = event.getOccurrenceDetails(next);
    add(details.item, details.startDate, details.endDate);
  }
}

instances.sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.uid < b.uid ? -1 : a.uid > b.uid ? 1 : 0));
process.stdout.write(JSON.stringify(instances));
process.stdout.write("\n");
