'use strict';
/**
 * Client metadata as a Rocket.Chat server's sessions carry it, drawn with a seeded random: what the
 * memory bench stores per session, so bytes per session with metadata are those of a real mix.
 */
const { pickWeighted, between } = require('../dist/demo/random');

/**
 * A client as Rocket.Chat's sessions show them: mostly browsers on desktops, the desktop app, and
 * the phone apps; browsers report a major version, apps their release; the address truncated to
 * its /24, the default privacy mode.
 */
const CLIENTS = [
  {
    weight: 30,
    deviceType: 'browser',
    os: ['Windows', '10'],
    client: ['Chrome', ['124', '125', '126']],
  },
  { weight: 8, deviceType: 'browser', os: ['Windows', '10'], client: ['Edge', ['124', '125']] },
  { weight: 6, deviceType: 'browser', os: ['Windows', '10'], client: ['Firefox', ['125', '126']] },
  {
    weight: 10,
    deviceType: 'browser',
    os: ['Mac OS', '10.15.7'],
    client: ['Chrome', ['125', '126']],
  },
  { weight: 6, deviceType: 'browser', os: ['Mac OS', '10.15.7'], client: ['Safari', ['17']] },
  { weight: 4, deviceType: 'browser', os: ['Linux', ''], client: ['Firefox', ['126']] },
  { weight: 4, deviceType: 'browser', os: ['Android', '14'], client: ['Chrome', ['125']] },
  { weight: 4, deviceType: 'browser', os: ['iOS', '17.4.1'], client: ['Mobile Safari', ['17']] },
  {
    weight: 10,
    deviceType: 'desktop-app',
    os: ['Windows', '10'],
    client: ['Rocket.Chat', ['3.9.14', '4.0.2']],
  },
  {
    weight: 4,
    deviceType: 'desktop-app',
    os: ['Mac OS', '14.4'],
    client: ['Rocket.Chat', ['4.0.2']],
  },
  {
    weight: 8,
    deviceType: 'mobile-app',
    os: ['iOS', '17.4.1'],
    client: ['RC Mobile', ['4.49.0', '4.48.1']],
  },
  { weight: 6, deviceType: 'mobile-app', os: ['Android', '14'], client: ['RC Mobile', ['4.49.0']] },
];

function realisticMeta(random) {
  const c = pickWeighted(random, CLIENTS);
  const versions = c.client[1];
  return {
    deviceType: c.deviceType,
    osName: c.os[0],
    osVersion: c.os[1],
    clientName: c.client[0],
    clientVersion: versions[between(random, 0, versions.length - 1)],
    clientAddress: `${between(random, 1, 223)}.${between(random, 0, 255)}.${between(random, 0, 255)}.0`,
  };
}

module.exports = { realisticMeta };
