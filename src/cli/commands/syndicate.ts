import type { Command } from 'commander';
import type { AllocationView, OperationRecord, Opportunity, SyndicateLedger } from '../../syndicate/index.js';
import { loadCliConfig } from '../context.js';
import type { Cell } from '../output.js';

/**
 * `syndicate ...`: pooled funds kept in an exact double-entry ledger ({NEURAL_TRADER_HOME}/syndicate.sqlite).
 * Every command acts as a member (`--as`); every write carries an idempotency key (`--key`): running
 * the same command again with the same key changes nothing and prints the original result. The library
 * (src/syndicate) does all the work; this module parses flags and prints.
 */
interface CommonFlags {
  as: string;
  json?: boolean;
}

interface WriteFlags extends CommonFlags {
  key: string;
  at?: string;
}

interface OpportunityFlags {
  kind?: string;
  sport?: string;
  market?: string;
  symbol?: string;
  odds?: string;
  probability?: string;
  expectedReturn?: string;
  volatility?: string;
  confidence?: string;
  reference?: string;
  description?: string;
}

interface Printable {
  operation?: OperationRecord;
  warnings?: string[];
}

async function withLedger<T>(program: Command, fn: (ledger: SyndicateLedger) => T | Promise<T>): Promise<T> {
  const config = await loadCliConfig(program);
  const { SyndicateLedger } = await import('../../syndicate/index.js');
  const ledger = SyndicateLedger.open(config.home);
  try {
    return await fn(ledger);
  } finally {
    ledger.close();
  }
}

function base(id: string, flags: WriteFlags) {
  return { syndicateId: id, actor: flags.as, key: flags.key, at: flags.at };
}

async function strictNumber(flag: string, value: string | undefined): Promise<number | undefined> {
  if (value === undefined) return undefined;
  const { parseStrictNumber } = await import('../../core/inputs.js');
  return parseStrictNumber(value, `--${flag}`);
}

async function opportunityFrom(flags: OpportunityFlags): Promise<Opportunity> {
  const { ValidationError } = await import('../../core/errors.js');
  if (flags.kind !== 'bet' && flags.kind !== 'trade') {
    throw new ValidationError(`--kind: expected bet or trade, got "${flags.kind ?? ''}"`, {
      field: 'kind',
      hint: 'a bet needs --market --odds --probability; a trade needs --symbol --expected-return --volatility',
    });
  }
  return {
    kind: flags.kind,
    sport: flags.sport,
    market: flags.market,
    symbol: flags.symbol,
    decimalOdds: await strictNumber('odds', flags.odds),
    winProbability: await strictNumber('probability', flags.probability),
    expectedReturn: await strictNumber('expected-return', flags.expectedReturn),
    volatility: await strictNumber('volatility', flags.volatility),
    confidence: await strictNumber('confidence', flags.confidence),
    reference: flags.reference,
    description: flags.description,
  };
}

async function parseJsonFlag(
  flag: string,
  text: string | undefined,
): Promise<Record<string, unknown> | undefined> {
  if (text === undefined) return undefined;
  try {
    const value = JSON.parse(text) as unknown;
    if (value && typeof value === 'object' && !Array.isArray(value)) return value as Record<string, unknown>;
  } catch {
    // fall through to the error below
  }
  const { ValidationError } = await import('../../core/errors.js');
  throw new ValidationError(`--${flag}: expected a JSON object, got ${JSON.stringify(text.slice(0, 60))}`, {
    field: flag,
    hint: `e.g. --${flag} '{"kellyFraction": 0.5}'`,
  });
}

/** Warnings and replay notices on stderr, then the result as JSON or as people read it. */
async function print(
  result: Printable | object,
  flags: { json?: boolean },
  human: () => unknown,
): Promise<void> {
  const { warnings, operation: op } = result as Printable;
  for (const warning of warnings ?? []) process.stderr.write(`warning: ${warning}\n`);
  if (op?.replayed) {
    process.stderr.write(
      `warning: key ${op.key} was already applied (${op.kind} by ${op.actor}); nothing changed, this is the original result\n`,
    );
  }
  if (flags.json) {
    // The shared formatter applies the JSON convention (camelCase, ISO 8601 dates, one format per document).
    const { printJson } = await import('../output.js');
    printJson(result);
    return;
  }
  await human();
}

/** Human tables name their columns in snake_case, like every other command's tables. */
function snakeKeys(row: object): Record<string, Cell> {
  const out: Record<string, Cell> = {};
  for (const [key, value] of Object.entries(row))
    out[key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = value as Cell;
  return out;
}

async function keyValues(values: object): Promise<void> {
  const { renderKeyValues } = await import('../output.js');
  process.stdout.write(renderKeyValues(snakeKeys(values)));
}

type Period = { start: number; end: number };
const isPeriod = (value: unknown): value is Period =>
  typeof value === 'object' && value !== null && 'start' in value && 'end' in value;

/**
 * Rows as a table: only `columns` when given; timestamps (fields ending in At, and a period's start and
 * end) as dates, one format for the whole table (timestampFormatter).
 */
async function table(rows: readonly object[], title?: string, columns?: readonly string[]): Promise<void> {
  const [{ renderTable }, { timestampFormatter }] = await Promise.all([
    import('../output.js'),
    import('../../core/time.js'),
  ]);
  if (title) process.stdout.write(`\n${title}\n`);
  const picked = rows.map((row) =>
    Object.entries(row).filter(([key]) => columns === undefined || columns.includes(key)),
  );
  const stamps: number[] = [];
  for (const entries of picked) {
    for (const [key, value] of entries) {
      if (/At$/.test(key) && typeof value === 'number') stamps.push(value);
      if (isPeriod(value)) stamps.push(value.start, value.end);
    }
  }
  const time = timestampFormatter(stamps);
  const shown = picked.map((entries) => {
    const out: Record<string, unknown> = {};
    for (const [key, value] of entries) {
      if (/At$/.test(key) && typeof value === 'number') out[key] = time(value);
      else if (isPeriod(value)) out[key] = `${time(value.start)} .. ${time(value.end)}`;
      else out[key] = value;
    }
    return snakeKeys(out);
  });
  process.stdout.write(renderTable(shown));
}

/** One timestamp shown on its own (a key/value line). */
async function time(ts: number | null | undefined): Promise<string> {
  if (ts === null || ts === undefined) return '';
  const { formatTimestamp } = await import('../../core/time.js');
  return formatTimestamp(ts);
}

function addWriteOptions(command: Command): Command {
  return command
    .requiredOption('--as <member>', 'the acting member (checked against the permission table)')
    .requiredOption('--key <key>', 'idempotency key: a retry with the same key is applied once')
    .option(
      '--at <time>',
      'when it happens: a date or ISO 8601 time (default now; never before the latest operation)',
    )
    .option('--json', 'print JSON');
}

function addReadOptions(command: Command): Command {
  return command
    .requiredOption('--as <member>', 'the member reading (every role may read)')
    .option('--json', 'print JSON');
}

function addOpportunityOptions(command: Command): Command {
  return command
    .option('--kind <kind>', 'bet or trade')
    .option('--sport <sport>', 'bet: sport (concentration rule per sport)')
    .option('--market <market>', 'bet: market, e.g. EPL:ARS-CHE:1X2')
    .option('--odds <decimal>', 'bet: decimal odds, e.g. 2.1')
    .option('--probability <p>', 'bet: estimated win probability, e.g. 0.52')
    .option('--symbol <symbol>', 'trade: symbol')
    .option('--expected-return <r>', 'trade: expected return over the holding period, e.g. 0.02')
    .option('--volatility <sigma>', 'trade: volatility over the holding period, e.g. 0.1')
    .option('--confidence <c>', 'confidence in [0, 1] (confidence method)')
    .option('--reference <id>', 'id of the bet or order in the system that places it')
    .option('--description <text>', 'free text');
}

async function printAllocation(result: { allocation: AllocationView }): Promise<void> {
  const a = result.allocation;
  await keyValues({
    allocation: a.id,
    status: a.status,
    amount: a.amount,
    method: a.method,
    bound_by: a.boundBy,
    originator: a.originator,
    mark: a.mark,
    returned: a.returned,
    fees: a.fees,
    pnl: a.pnl,
  });
}

export function register(program: Command): void {
  const syndicate = program
    .command('syndicate')
    .description(
      'pooled funds: an exact double-entry ledger with roles, allocation rules, payouts, withdrawals and votes',
    );

  addWriteOptions(
    syndicate
      .command('create <syndicate>')
      .description('create a syndicate; the acting member (--as) becomes its lead')
      .option('--name <name>', 'display name')
      .option('--currency <code>', 'currency of the ledger (default USD)')
      .option('--jurisdiction <code>', "the lead's tax jurisdiction for withholding (default NONE)")
      .option('--rules <json>', 'overrides of the default rules as JSON, e.g. \'{"lockupDays": 0}\''),
  ).action(
    async (
      id: string,
      flags: WriteFlags & { name?: string; currency?: string; jurisdiction?: string; rules?: string },
    ) =>
      withLedger(program, async (ledger) => {
        const result = ledger.createSyndicate({
          ...base(id, flags),
          name: flags.name,
          currency: flags.currency,
          jurisdiction: flags.jurisdiction,
          rules: await parseJsonFlag('rules', flags.rules),
        });
        await print(result, flags, () =>
          process.stdout.write(
            `created syndicate ${result.syndicate.id} (${result.syndicate.name}, ${result.syndicate.currency}) with lead ${result.lead.id}\n`,
          ),
        );
      }),
  );

  const member = syndicate.command('member').description('add members, change roles, suspend and reinstate');
  addWriteOptions(
    member
      .command('add <syndicate> <member>')
      .description('add a member (a lead may add any role; a senior analyst roles below their own)')
      .option(
        '--role <role>',
        'lead, senior_analyst, junior_analyst, contributing_member or observer',
        'contributing_member',
      )
      .option('--name <name>', 'display name')
      .option('--jurisdiction <code>', 'tax jurisdiction for withholding (default NONE)')
      .option('--initial <amount>', "a first deposit booked to the new member's capital"),
  ).action(
    async (
      id: string,
      memberId: string,
      flags: WriteFlags & { role?: string; name?: string; jurisdiction?: string; initial?: string },
    ) =>
      withLedger(program, async (ledger) => {
        const result = ledger.addMember({
          ...base(id, flags),
          member: { id: memberId, name: flags.name, role: flags.role, jurisdiction: flags.jurisdiction },
          initialContribution: flags.initial,
        });
        await print(result, flags, () =>
          keyValues({
            member: result.member.id,
            role: result.member.role,
            jurisdiction: result.member.jurisdiction,
            capital: result.member.capital,
          }),
        );
      }),
  );
  addWriteOptions(
    member.command('role <syndicate> <member> <role>').description("change a member's role (lead only)"),
  ).action(async (id: string, memberId: string, role: string, flags: WriteFlags) =>
    withLedger(program, async (ledger) => {
      const result = ledger.changeRole({ ...base(id, flags), member: memberId, role });
      await print(result, flags, () =>
        process.stdout.write(`${result.member.id}: ${result.previous.role} -> ${result.member.role}\n`),
      );
    }),
  );
  for (const [verb, description] of [
    ['suspend', 'suspend a member: they keep their money but may only read (lead only)'],
    ['reinstate', 'reinstate a suspended member (lead only)'],
  ] as const) {
    addWriteOptions(member.command(`${verb} <syndicate> <member>`).description(description)).action(
      async (id: string, memberId: string, flags: WriteFlags) =>
        withLedger(program, async (ledger) => {
          const input = { ...base(id, flags), member: memberId };
          const result = verb === 'suspend' ? ledger.suspendMember(input) : ledger.reinstateMember(input);
          await print(result, flags, () =>
            process.stdout.write(`${result.member.id}: ${result.member.status}\n`),
          );
        }),
    );
  }

  addWriteOptions(
    syndicate
      .command('deposit <syndicate> <amount>')
      .description("pay money into the acting member's capital"),
  ).action(async (id: string, amount: string, flags: WriteFlags) =>
    withLedger(program, async (ledger) => {
      const result = ledger.deposit({ ...base(id, flags), amount });
      await print(result, flags, () =>
        process.stdout.write(
          `deposited ${result.amount} to ${result.member}'s capital (now ${result.capital})\n`,
        ),
      );
    }),
  );

  addOpportunityOptions(
    syndicate
      .command('allocate <syndicate>')
      .description(
        'size an opportunity by the rules and book the allocation (--dry-run: only show the sizing)',
      )
      .option('--method <method>', 'kelly, fixed, confidence or risk_parity (default: the rules)')
      .option('--amount <amount>', 'allocate this amount (must be within the rules)')
      .option('--dry-run', 'show every method and limit without writing (no --key needed)')
      .requiredOption('--as <member>', 'the acting member')
      .option('--key <key>', 'idempotency key (required unless --dry-run)')
      .option('--at <time>', 'when it happens (default now)')
      .option('--json', 'print JSON'),
  ).action(
    async (
      id: string,
      flags: WriteFlags & OpportunityFlags & { method?: string; amount?: string; dryRun?: boolean },
    ) =>
      withLedger(program, async (ledger) => {
        const opportunity = await opportunityFrom(flags);
        if (flags.dryRun) {
          const sim = ledger.simulateAllocation({
            syndicateId: id,
            actor: flags.as,
            opportunity,
            method: flags.method,
            amount: flags.amount,
            at: flags.at,
          });
          await print({ ...sim, warnings: sim.chosen.warnings }, flags, async () => {
            await table(
              sim.byMethod.map((m) => ({
                method: m.method,
                fraction: m.fraction,
                method_amount: m.methodAmount,
                allowed: m.allowed,
                bound_by: m.boundBy,
                needs_vote: m.needsVote,
              })),
            );
            await table(
              sim.chosen.limits.map((l) => ({ rule: l.rule, headroom: l.headroom })),
              `limits (vote above ${sim.chosen.voteAbove})`,
            );
            if (sim.requested) {
              process.stdout.write(
                `\n${sim.requested.amount}: ${sim.requested.accepted ? 'would be accepted' : `would be refused: ${sim.requested.reason}`}\n`,
              );
            }
          });
          return;
        }
        if (!flags.key) {
          const { ValidationError } = await import('../../core/errors.js');
          throw new ValidationError('--key: an idempotency key is required to allocate', {
            field: 'key',
            hint: 'e.g. --key alloc-2024-06-01-ars-che (or use --dry-run to only see the sizing)',
          });
        }
        const result = ledger.allocate({
          ...base(id, flags),
          opportunity,
          method: flags.method,
          amount: flags.amount,
        });
        await print(result, flags, () => printAllocation(result));
      }),
  );

  addWriteOptions(
    syndicate
      .command('mark <syndicate> <allocation> <unrealised>')
      .description("mark an open allocation's unrealised P&L (signed, e.g. -12.50)"),
  ).action(async (id: string, allocationId: string, unrealised: string, flags: WriteFlags) =>
    withLedger(program, async (ledger) => {
      const result = ledger.markAllocation({ ...base(id, flags), allocationId, unrealised });
      await print(result, flags, () => printAllocation(result));
    }),
  );

  addWriteOptions(
    syndicate
      .command('settle <syndicate> <allocation>')
      .description('settle an open allocation: what came back (stake included; 0 for a lost bet) and fees')
      .requiredOption('--returned <amount>', 'everything paid back, stake included (0 for a lost bet)')
      .option('--fees <amount>', 'fees or commission charged', '0'),
  ).action(async (id: string, allocationId: string, flags: WriteFlags & { returned: string; fees: string }) =>
    withLedger(program, async (ledger) => {
      const result = ledger.settleAllocation({
        ...base(id, flags),
        allocationId,
        returned: flags.returned,
        fees: flags.fees,
      });
      await print(result, flags, () => printAllocation(result));
    }),
  );

  addWriteOptions(
    syndicate
      .command('distribute <syndicate>')
      .description('distribute the realised result since the last distribution (a loss is charged by equity)')
      .option('--method <method>', 'capital, performance, tiered, hybrid or equal (default: the rules)')
      .option('--amount <amount>', 'distribute only part of a profit')
      .option('--withhold', 'withhold tax by member jurisdiction (illustrative rates)'),
  ).action(async (id: string, flags: WriteFlags & { method?: string; amount?: string; withhold?: boolean }) =>
    withLedger(program, async (ledger) => {
      const result = ledger.distribute({
        ...base(id, flags),
        method: flags.method,
        amount: flags.amount,
        withhold: flags.withhold,
      });
      const d = result.distribution;
      await print(result, flags, async () => {
        await keyValues({
          distribution: d.id,
          kind: d.kind,
          method: d.method,
          amount: d.amount,
          tax_withheld: d.tax,
          net: d.net,
          period: `${await time(d.period.start)} .. ${await time(d.period.end)}`,
        });
        await table(
          d.lines.map((l) => ({
            member: l.member,
            share: l.share,
            gross: l.gross,
            tax: l.tax,
            net: l.net,
            tax_rate: l.taxRate,
          })),
        );
        process.stdout.write(`rounding: ${d.roundingRule}\n`);
      });
    }),
  );

  const withdraw = syndicate
    .command('withdraw')
    .description('withdrawal requests: request, approve, reject, cancel, process');
  addWriteOptions(
    withdraw
      .command('request <syndicate> <amount>')
      .description('request a withdrawal (notice period and lock-up apply unless --emergency)')
      .option('--emergency', 'skip notice and lock-up; a penalty goes to the other members'),
  ).action(async (id: string, amount: string, flags: WriteFlags & { emergency?: boolean }) =>
    withLedger(program, async (ledger) => {
      const result = ledger.requestWithdrawal({ ...base(id, flags), amount, emergency: flags.emergency });
      await print(result, flags, () => printWithdrawal(result.withdrawal));
    }),
  );
  for (const [verb, description] of [
    ['approve', 'approve a request (a lead or senior analyst other than the requester)'],
    ['reject', 'reject a request: the earmarked money returns to the member'],
    ['cancel', 'cancel your own request before it is paid'],
    ['process', 'pay an approved request after its notice period'],
  ] as const) {
    addWriteOptions(withdraw.command(`${verb} <syndicate> <withdrawal>`).description(description)).action(
      async (id: string, withdrawalId: string, flags: WriteFlags) =>
        withLedger(program, async (ledger) => {
          const input = { ...base(id, flags), withdrawalId };
          const result =
            verb === 'approve'
              ? ledger.approveWithdrawal(input)
              : verb === 'reject'
                ? ledger.rejectWithdrawal(input)
                : verb === 'cancel'
                  ? ledger.cancelWithdrawal(input)
                  : ledger.processWithdrawal(input);
          await print(result, flags, () => printWithdrawal(result.withdrawal));
        }),
    );
  }

  addOpportunityOptions(
    addWriteOptions(
      syndicate
        .command('propose <syndicate>')
        .description(
          'propose a change for a vote: strategy_change, large_allocation, add_member, remove_member, change_rules',
        )
        .requiredOption(
          '--type <kind>',
          'strategy_change, large_allocation, add_member, remove_member or change_rules',
        )
        .option('--changes <json>', 'strategy_change/change_rules: the rules to change as JSON')
        .option('--amount <amount>', 'large_allocation: the amount')
        .option('--method <method>', 'large_allocation: the sizing method')
        .option('--member <id>', 'add_member/remove_member: the member')
        .option('--role <role>', 'add_member: the role')
        .option('--jurisdiction <code>', 'add_member: tax jurisdiction')
        .option('--weighting <w>', 'capital, performance or equal (default: the rules)')
        .option('--quorum <fraction>', 'share of the electorate that must vote (default: the rules)')
        .option(
          '--threshold <fraction>',
          'yes weight needed, as a share of the electorate (default: the rules)',
        )
        .option('--expires <time>', 'when voting closes (default: now + the proposal TTL)'),
    ),
  ).action(
    async (
      id: string,
      flags: WriteFlags &
        OpportunityFlags & {
          type: string;
          changes?: string;
          amount?: string;
          method?: string;
          member?: string;
          role?: string;
          jurisdiction?: string;
          weighting?: string;
          quorum?: string;
          threshold?: string;
          expires?: string;
        },
    ) =>
      withLedger(program, async (ledger) => {
        const kind = flags.type.trim().toLowerCase().replace(/-/g, '_');
        const result = ledger.propose({
          ...base(id, flags),
          kind,
          changes: await parseJsonFlag('changes', flags.changes),
          opportunity: kind === 'large_allocation' ? await opportunityFrom(flags) : undefined,
          amount: flags.amount,
          method: flags.method,
          member:
            kind === 'add_member' && flags.member !== undefined
              ? { id: flags.member, role: flags.role, jurisdiction: flags.jurisdiction }
              : undefined,
          memberId: kind === 'remove_member' ? flags.member : undefined,
          description: flags.description,
          weighting: flags.weighting,
          quorum: await strictNumber('quorum', flags.quorum),
          threshold: await strictNumber('threshold', flags.threshold),
          expiresAt: flags.expires,
        });
        const p = result.proposal;
        await print(result, flags, async () => {
          await keyValues({
            proposal: p.id,
            kind: p.kind,
            status: p.status,
            weighting: p.weighting,
            quorum: p.quorum,
            threshold: p.threshold,
            expires_at: await time(p.expiresAt),
          });
          await table(
            result.electorate.map((e) => ({ member: e.member, weight: e.weight })),
            'electorate',
          );
        });
      }),
  );

  addWriteOptions(
    syndicate
      .command('vote <syndicate> <proposal> <choice>')
      .description('vote yes, no or abstain on an open proposal'),
  ).action(async (id: string, proposalId: string, choice: string, flags: WriteFlags) =>
    withLedger(program, async (ledger) => {
      const result = ledger.vote({ ...base(id, flags), proposalId, choice });
      const p = result.proposal;
      await print(result, flags, () =>
        keyValues({
          proposal: p.id,
          vote: `${result.vote.choice} (weight ${result.vote.weight})`,
          status: p.status,
          yes: p.yes,
          no: p.no,
          abstain: p.abstain,
          electorate: p.totalWeight,
          outcome: p.outcome,
        }),
      );
    }),
  );

  addReadOptions(syndicate.command('status <syndicate>').description('balances and members')).action(
    async (id: string, flags: CommonFlags) =>
      withLedger(program, async (ledger) => {
        const s = ledger.status({ syndicateId: id, actor: flags.as });
        await print(s, flags, async () => {
          await keyValues({
            syndicate: `${s.syndicate.id} (${s.syndicate.name})`,
            currency: s.syndicate.currency,
            ...s.balances,
          });
          await table(
            s.members.map((m) => ({
              member: m.id,
              role: m.role,
              status: m.status,
              tier: m.tier,
              capital: m.capital,
              profit: m.profit,
              pending: m.pendingWithdrawal,
              equity: m.equity,
              share: m.share,
            })),
            'members',
          );
        });
      }),
  );

  addReadOptions(
    syndicate
      .command('report <syndicate>')
      .description(
        'the books: summary, member performance, profit history, tax liability or allocation limits',
      )
      .option('--section <section>', 'summary, performance, history, tax or limits', 'summary')
      .option('--year <year>', 'tax: calendar year'),
  ).action(async (id: string, flags: CommonFlags & { section: string; year?: string }) =>
    withLedger(program, async (ledger) => {
      const input = { syndicateId: id, actor: flags.as };
      switch (flags.section) {
        case 'performance': {
          const rows = ledger.memberPerformance(input);
          await print({ members: rows }, flags, () => table(rows));
          return;
        }
        case 'history': {
          const h = ledger.profitHistory(input);
          await print(h, flags, async () => {
            await keyValues(h.totals);
            await table(h.distributions, 'distributions');
            await table(h.settlements, 'settlements');
          });
          return;
        }
        case 'tax': {
          const year = await strictNumber('year', flags.year);
          const t = ledger.taxLiability({ ...input, year });
          await print(t, flags, async () => {
            await table(t.members);
            await keyValues(t.totals);
            process.stdout.write(`${t.disclaimer}\n`);
          });
          return;
        }
        case 'limits': {
          const l = ledger.allocationLimits(input);
          await print(l, flags, async () => {
            const {
              opportunity: _o,
              rules: _r,
              assumptions: _a,
              openConcentrations,
              stopLoss,
              ...scalars
            } = l;
            await keyValues({
              ...scalars,
              stop_loss: stopLoss.triggered ? `TRIGGERED (${stopLoss.undistributed})` : 'not triggered',
            });
            if (openConcentrations.length > 0) await table(openConcentrations, 'open concentrations');
          });
          return;
        }
        case 'summary': {
          const r = ledger.report(input);
          await print(r, flags, async () => {
            await keyValues({ syndicate: `${r.syndicate.id} (${r.syndicate.name})`, ...r.balances });
            await table(r.members, 'members', ['id', 'role', 'status', 'equity', 'share']);
            await table(r.allocations, 'allocations', [
              'id',
              'status',
              'kind',
              'amount',
              'originator',
              'pnl',
            ]);
            await table(r.withdrawals, 'withdrawals', ['id', 'member', 'status', 'amount', 'availableAt']);
            await table(r.proposals, 'proposals', ['id', 'kind', 'status', 'yes', 'no', 'totalWeight']);
            await table(r.distributions, 'distributions', ['id', 'at', 'kind', 'method', 'amount', 'tax']);
          });
          return;
        }
        default: {
          const { ValidationError } = await import('../../core/errors.js');
          throw new ValidationError(`--section: unknown section "${flags.section}"`, {
            field: 'section',
            hint: 'use summary, performance, history, tax or limits',
          });
        }
      }
    }),
  );

  syndicate
    .command('audit')
    .description('integrity of the books')
    .command('verify <syndicate>')
    .description("check the audit log's hash chain and recompute the ledger from its postings")
    .option('--json', 'print JSON')
    .action(async (id: string, flags: { json?: boolean }) =>
      withLedger(program, async (ledger) => {
        const v = ledger.verify({ syndicateId: id });
        if (!v.ok) {
          const { NeuralTraderError } = await import('../../core/errors.js');
          const problem = v.audit.problem?.reason ?? v.ledger.problems[0];
          throw new NeuralTraderError('DATA', `audit verify failed for ${id}: ${problem}`, {
            hint: 'the file was changed outside neural-trader; restore it from a backup',
          });
        }
        if (flags.json) {
          const { printJson } = await import('../output.js');
          printJson(v);
          return;
        }
        process.stdout.write(
          `audit log: ${v.audit.entries} entries, chain intact; head ${v.audit.head}\n` +
            `ledger: ${v.ledger.transfers} transfers, ${v.ledger.postings} postings; debits ${v.ledger.totals.debits} = credits ${v.ledger.totals.credits}; assets ${v.ledger.totals.assets} = members' equity ${v.ledger.totals.membersEquity}\n`,
        );
      }),
    );
}

async function printWithdrawal(w: {
  id: string;
  member: string;
  status: string;
  amount: string;
  emergency: boolean;
  penalty: string;
  payout: string;
  availableAt: number;
}): Promise<void> {
  await keyValues({
    withdrawal: w.id,
    member: w.member,
    status: w.status,
    amount: w.amount,
    emergency: w.emergency,
    penalty: w.penalty,
    payout: w.payout,
    available_at: await time(w.availableAt),
  });
}
