import { between, chance, meteorId, pickOne, type Random } from './random';
import type { SimulatedInstance } from './simulated-instance';
import { CRAWLER, INTEGRATION_BOT, pickUserAgent, type UserAgentProfile } from './user-agents';

/**
 * Probabilities per step of the demo (200 ms). With these, about a third of the people are online
 * at any moment, a visit lasts ~15 s of demo time and three quarters of the population show up
 * within 20 s: SAU levels off while DAU keeps climbing, and sessions outnumber users (tabs).
 */
const RATES = {
  /** An offline person comes online. */
  arrive: 0.012,
  /** An online person leaves: every tab closes. */
  leave: 0.012,
  /** An online person opens one more tab or device. */
  openTab: 0.012,
  /** One tab of an online person closes. */
  closeTab: 0.006,
  /** An online person logs out: every session of theirs stays open, anonymous, on the login page. */
  logout: 0.002,
  /** A session on the login page logs in (again). */
  login: 0.25,
  /** A session on the login page is closed. */
  abandon: 0.1,
  /** A crawler or curious visitor opens the login page. */
  visit: 0.25,
  /** …and goes away. */
  visitEnds: 0.15,
};
const MAX_TABS = 4;
/** Share of people online when the demo starts (it is the middle of a work day). */
const INITIALLY_ONLINE = 0.2;
const BOTS = 2;

interface Session {
  id: string;
  instance: SimulatedInstance;
  /** Logged in, or on the login page. */
  loggedIn: boolean;
}

interface Person {
  userId: string;
  devices: UserAgentProfile[];
  address: string;
  sessions: Session[];
  bot: boolean;
}

/**
 * People using a chat workspace through a load balancer: each one's tabs and devices land on any
 * instance; they log in, open more tabs, log out, leave; crawlers hit the login page; a few bots
 * stay connected. Drives the monitors only through open/login/logout/close.
 */
export class UserPopulation {
  private readonly people: Person[];
  private readonly visitors: Session[] = [];

  /** Instances still up: new sessions land on one of these. */
  private instances: SimulatedInstance[];

  constructor(
    size: number,
    instances: readonly SimulatedInstance[],
    private readonly random: Random,
  ) {
    this.instances = [...instances];
    this.people = Array.from({ length: size }, (_, i) => ({
      userId: meteorId(random),
      devices: Array.from({ length: between(random, 1, 3) }, () => pickUserAgent(random)),
      address: addressOf(i),
      sessions: [],
      bot: i < Math.min(BOTS, size - 1),
    }));
    for (const bot of this.people.filter((p) => p.bot)) bot.devices = [INTEGRATION_BOT];
  }

  /** The state at the start: bots and a share of the people are already connected. */
  begin(): void {
    for (const person of this.people) {
      if (person.bot || chance(this.random, INITIALLY_ONLINE)) this.open(person, true);
    }
  }

  /**
   * An instance died: the connections it served are gone (their clients reconnect later, as new
   * sessions on the instances left), and no new session lands on it. Nothing is sent to it.
   */
  dropInstance(instance: SimulatedInstance): void {
    this.instances = this.instances.filter((i) => i !== instance);
    for (const person of this.people) {
      person.sessions = person.sessions.filter((s) => s.instance !== instance);
    }
    for (const visitor of this.visitors.filter((v) => v.instance === instance)) {
      this.visitors.splice(this.visitors.indexOf(visitor), 1);
    }
  }

  /** One step of everyone's behaviour. */
  step(): void {
    for (const person of this.people) {
      if (person.bot) {
        // A bot whose instance died reconnects at once.
        if (person.sessions.length === 0) this.open(person, true);
        continue;
      }
      if (person.sessions.length === 0) {
        if (chance(this.random, RATES.arrive)) this.open(person, chance(this.random, 0.8));
        continue;
      }
      this.behave(person);
    }
    this.crawl();
  }

  private behave(person: Person): void {
    if (chance(this.random, RATES.leave)) {
      for (const session of [...person.sessions]) this.close(person, session);
      return;
    }
    if (chance(this.random, RATES.logout)) {
      // Meteor drops the login token, so every connection using it is logged out.
      for (const session of person.sessions.filter((s) => s.loggedIn)) {
        session.loggedIn = false;
        session.instance.logout(session.id);
      }
      return;
    }
    if (person.sessions.length < MAX_TABS && chance(this.random, RATES.openTab)) {
      this.open(
        person,
        person.sessions.some((s) => s.loggedIn),
      );
    }
    for (const session of [...person.sessions]) {
      if (session.loggedIn) {
        if (chance(this.random, RATES.closeTab)) this.close(person, session);
      } else if (chance(this.random, RATES.login)) {
        session.loggedIn = true;
        session.instance.login(session.id, person.userId);
      } else if (chance(this.random, RATES.abandon)) {
        this.close(person, session);
      }
    }
  }

  private open(person: Person, loggedIn: boolean): void {
    const session: Session = {
      id: meteorId(this.random),
      instance: pickOne(this.random, this.instances),
      loggedIn,
    };
    person.sessions.push(session);
    session.instance.open(session.id, pickOne(this.random, person.devices), person.address);
    if (loggedIn) session.instance.login(session.id, person.userId);
  }

  private close(person: Person, session: Session): void {
    person.sessions.splice(person.sessions.indexOf(session), 1);
    session.instance.close(session.id);
  }

  /** Anonymous traffic: a crawler, or someone who opens the login page and never logs in. */
  private crawl(): void {
    if (chance(this.random, RATES.visit)) {
      const visitor: Session = {
        id: meteorId(this.random),
        instance: pickOne(this.random, this.instances),
        loggedIn: false,
      };
      const device = chance(this.random, 0.5) ? CRAWLER : pickUserAgent(this.random);
      this.visitors.push(visitor);
      visitor.instance.open(
        visitor.id,
        device,
        addressOf(this.people.length + this.visitors.length),
      );
    }
    for (const visitor of [...this.visitors]) {
      if (chance(this.random, RATES.visitEnds)) {
        this.visitors.splice(this.visitors.indexOf(visitor), 1);
        visitor.instance.close(visitor.id);
      }
    }
  }
}

/** Documentation addresses (RFC 5737 / RFC 3849): realistic shapes, nobody's real address. */
function addressOf(n: number): string {
  if (n % 5 === 4) return `2001:db8::${(n + 1).toString(16)}`;
  const nets = ['192.0.2', '198.51.100', '203.0.113'];
  return `${nets[n % 3]}.${1 + (Math.floor(n / 3) % 254)}`;
}
