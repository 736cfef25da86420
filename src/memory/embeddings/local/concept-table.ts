/**
 * Groups of words and phrases that mean the same thing in business and operations text, each named by
 * its concept. A text that says any of them gets the concept as a feature, so "Which client brings in
 * the most income?" meets "Globex is our largest account by revenue" although they share no word.
 *
 * Written for Switchyard from the vocabulary agents use about a software business: customers, money,
 * growth, incidents, releases, support, people, time. A word may belong to several groups ("cost" is
 * both a cost and a price). Phrases are matched after the same normalisation and stemming as the text,
 * so list plain forms; inflections ("cancelled", "cancelling") follow by stemming.
 */
export const CONCEPT_TABLE: Readonly<Record<string, string>> = {
  // Magnitude and change
  top: "highest, most, top, greatest, largest, biggest, best, maximum, max, peak, peaks, leading, number one, record high, high, higher",
  bottom: "lowest, least, smallest, fewest, minimum, min, worst, record low, low",
  increase:
    "increase, grow, growth, grew, grown, rise, rose, risen, gain, jump, climb, higher, more, boost, expand, expansion, surge, spike, uptick, lift, doubled, tripled, go up, goes up, went up, accelerate",
  decrease:
    "decrease, decline, drop, fall, fell, fallen, reduce, reduction, lower, less, fewer, shrink, dip, cut, slump, undercut, slash, went down, go down, goes down",
  share: "percent, percentage, share, portion, proportion, fraction, ratio",
  amount: "how much, amount, usd, eur, gbp, dollar, euro, money, cash, funds, sum, total",

  // Money
  revenue:
    "revenue, sales, income, earnings, turnover, bookings, arr, mrr, annual recurring revenue, monthly recurring revenue, recurring revenue, topline, top line, proceeds",
  cost: "cost, expense, expensive, spend, spent, spending, expenditure, outlay, overhead, costly, bill",
  price: "price, pricing, priced, fee, charge, tariff, cost, costs, rate card, cheap, cheaper, cheapest, expensive",
  budget: "budget, allocation, allocated, earmarked, planned spend",
  discount: "discount, rebate, promo, promotion, coupon, markdown, price cut, price reduction, concession",
  refund: "refund, money back, reimburse, reimbursement, chargeback",
  invoice: "invoice, bill, bills, billing, billed, payment, pay, paying, paid, unpaid, receivable, dunning",
  payment_provider: "stripe, paypal, braintree, adyen, payment provider, payment processor, payment gateway",
  tax: "tax, taxes, vat, gst, sales tax",
  payroll: "payroll, salary, salaries, wage, wages, compensation, paycheck",
  ltv: "ltv, lifetime value, customer lifetime value, clv, cltv, lifetime revenue",
  cac: "cac, customer acquisition cost, acquisition cost, cost to acquire, acquire, acquisition, win new",
  forecast: "forecast, projection, projected, projecting, predict, prediction, estimate, estimated, outlook, guidance",
  likelihood: "likely, likelihood, probability, chance, odds, predicts, predictor, signal, indicator, leading indicator",
  funnel: "funnel, pipeline, opportunity, opportunities, prospect, prospects, deals in progress",

  // Customers and market
  customer: "customer, client, buyer, account, subscriber, tenant, purchaser, patron, user, users",
  person: "people, person, someone, somebody, individual, user, users, folks",
  segment: "segment, segments, customer type, market segment, vertical",
  cohort: "cohort, cohorts, group, groups",
  enterprise: "enterprise, corporate, corporation, large company, large business, big company, big business, fortune 500, large account, large customer, big customer",
  smb: "smb, small business, mid market, midmarket, sme, small and medium",
  self_serve: "self serve, self service, product led, plg",
  competitor: "competitor, competitors, rival, rivals, competition, competing, alternative vendor",
  entry_tier: "starter, entry, entry level, basic, free tier, lowest tier, cheapest plan",
  plan: "plan, plans, tier, tiers, package, edition, subscription",
  seat: "seat, seats, user, users, license, licence, per user, per seat",
  churn:
    "churn, cancel, cancellation, attrition, leave, leaving, left, quit, unsubscribe, lose customers, lost customers, stop using, not renew, non renewal",
  retention: "retention, retain, retained, kept, keep, stay, stays, stayed, renew, renewal, renewing, loyal, loyalty",
  abandon: "abandon, abandoned, abandonment, give up, gave up, giving up, drop off, dropoff, bounce, bail",
  upgrade: "upgrade, convert, conversion, upsell, go paid, paid plan, expansion",
  trial: "trial, free trial, pilot, proof of concept, poc, freemium",
  invite: "invite, invitation, bring in, bring, refer, referral, recommend, recommending, recommendation, word of mouth",
  satisfaction:
    "satisfaction, satisfied, nps, net promoter, net promoter score, csat, happiness, happy, unhappy, sentiment, rating, ratings, feedback, promoter, detractor",
  partner: "partner, partners, partnership, reseller, resell, reselling, channel partner, distributor, alliance",
  contract: "contract, contracts, agreement, agreements, deal, deals, msa, partnership",
  marketing: "marketing, marketer, campaign, campaigns, demand generation, advertising",
  ads: "ads, advert, adverts, advertising, paid search, ppc, google ads, sem, paid marketing, paid channel",
  organic: "organic, seo, inbound, unpaid",
  reward: "reward, rewards, bonus, incentive, free month, credit, credits, perk",
  europe: "europe, european, eu, emea, eurozone, germany, france, spain, italy, netherlands, ireland, portugal, frankfurt, london, paris, berlin, dublin, amsterdam",
  compliance: "gdpr, privacy, data protection, compliance, compliant, regulation, regulatory, residency, sovereignty, soc 2, hipaa",
  location: "_where, region, location, located, place, site, data center, datacenter, reside, hosted",
  store: "store, stored, storage, stay, kept, keep, reside, hosted, persist, saved",

  // Time
  when: "_when, date, schedule, scheduled, deadline, january, february, march, april, may, june, july, august, september, october, november, december, monday, tuesday, wednesday, thursday, friday, saturday, sunday, tomorrow, yesterday, tonight, morning, evening",
  duration: "how long, how quickly, how fast, how soon, duration, day, days, week, weeks, hour, hours, minute, minutes, within, turnaround, cycle time, time to",
  annual: "annual, annually, yearly, year, years, per year, twelve months, 12 months, arr, annual recurring revenue",
  monthly: "month, monthly, months, per month, mrr",
  quarter: "quarter, quarterly, q1, q2, q3, q4, qoq, quarter over quarter",
  q1: "q1, first quarter",
  q2: "q2, second quarter",
  q3: "q3, third quarter",
  q4: "q4, fourth quarter, final quarter, last quarter of the year",
  h1: "h1, first half",
  h2: "h2, second half",
  holiday: "holiday, holidays, christmas, vacation, new year, time off",
  frequency: "often, frequently, frequent, common, commonly, popular, daily, regularly",

  // Causes and questions
  cause: "_why, cause, caused, causes, causing, reason, reasons, _because, due to, driven by, led to, result of, root cause, triggered, owing to, thanks to, made",
  origin: "source, sources, origin, originate, come from, comes from, came from, stem from, import, imported",
  choose: "chose, choose, chosen, pick, picked, select, selected, selection, opt, decide, decided, decision, went with",

  // Incidents, reliability, performance
  error: "error, errors, failure, fail, failed, failing, bug, defect, fault, exception, crash, crashes, glitch, issue, problem, broken, break, broke, regression, regressed, incorrect, wrong",
  outage: "outage, downtime, went down, go down, incident, unavailable, unavailability, disruption, degraded, degradation, service interruption, sev 1, sev1, sev 2, p0, p1",
  critical: "critical, sev 1, sev1, severity 1, p0, p1, urgent, major, high severity, highest priority",
  uptime: "uptime, availability, available, sla, service level, nines",
  commitment: "guarantee, commitment, promise, sla, service level agreement, obligation, obligated, must",
  breach: "breach, breached, miss, missed, violate, violated, violation, fail to meet, below target",
  recover: "recover, recovery, recovered, restore, restored, restoration, mttr, mean time to recovery, resolve, resolution, back online",
  latency: "latency, slow, slower, slowness, sluggish, lag, laggy, response time, p99, p95, p50, speed, fast, faster, performance, perf, ms, millisecond, milliseconds",
  delay: "delay, delayed, late, overdue, past due, behind schedule, arrive late",
  load: "load, busy, busiest, traffic, requests per second, request volume, throughput, qps, rps, reads, queries",
  queue: "backlog, queue, queued, pile up, piled up, pending, accumulate, build up",
  on_call: "on call, oncall, pager, pagerduty, rotation, duty, paged, escalation",
  owner: "owns, owner, ownership, responsible, in charge, accountable, assigned, assignee, maintainer, dri",
  rate_limit: "rate limit, rate limiting, rate limited, throttle, throttled, throttling, quota",
  cache: "cache, caching, cached, redis, memcached, cdn",
  database: "database, db, postgres, postgresql, mysql, sql, sqlite, datastore, data store, rds, dynamodb, mongodb",
  backup: "backup, backups, snapshot, snapshots, restore, dump",
  cloud: "aws, amazon web services, gcp, google cloud, azure, cloud, cloud provider, ec2",
  etl: "data pipeline, data processing, etl, spark, batch job, batch jobs, airflow",
  kubernetes: "kubernetes, k8s, container orchestration, eks, gke, container, containers, pods, helm",
  hardware: "gpu, gpus, a100, h100, hardware, machine, machines, node, nodes, server, servers, instance, instances",
  machine_learning: "machine learning, ml, model, models, inference, llm, ai, neural",
  capacity: "over provisioned, overprovisioned, underused, underutilized, idle, consolidate, excess capacity, utilization",
  certificate: "certificate, certificates, cert, certs, tls, ssl, https, x509",
  expire: "expire, expires, expired, expiry, expiration, lapse, lapsed, run out, ran out",
  fix: "fix, fixed, fixing, patch, patched, repair, workaround, mitigation, config change, needed",

  // Releases and product
  deploy:
    "deploy, deployed, deployment, release, released, rollout, roll out, rolled out, ship, shipped, launch, launched, go live, went live, version, build, push to production",
  rollback: "rollback, roll back, rolled back, revert, reverted, undo, downgrade, backed out",
  introduce: "add, adds, added, introduce, introduced, new feature, enable, enabled",
  feature: "feature, features, capability, capabilities, functionality, feature request, enhancement",
  request: "request, requests, requested, ask, asks, asked, asking, demand, demanded, want, wants",
  export: "export, download, csv, extract",
  redesign: "redesign, redesigned, overhaul, revamp, new design, refresh, facelift, rework",
  interface: "ui, ux, user interface, interface, dashboard, frontend, front end, screen, screens, web app, console",
  localisation: "localization, localize, translation, translate, translating, translated, i18n, l10n, language support",
  close: "close, closes, closed, shut, shutdown, shut down, sunset, retire, retired, retiring, decommission, deprecate, deprecated, end of life, eol, turn off, discontinue",
  legacy: "old, older, legacy, previous, outdated, deprecated, v1",
  mobile: "mobile, phone, phones, smartphone, ios, android, iphone, tablet, handset, mobile app",
  checkout: "checkout, purchase, purchases, buy, buying, bought, order, orders, transaction, transactions",
  experiment: "experiment, experiments, a b test, ab test, split test, variant, variants, hypothesis",
  evaluation: "evaluation, evaluate, evaluated, eval, evals, benchmark, benchmarks, test, tests, tested, testing, assessment",
  accuracy: "accuracy, accurate, correct, correctness, precision, factual, quality",
  usage: "use, using, used, usage, utilization, utilize, consumption, adoption, active, engagement",
  vector_store: "vector database, vector databases, vector db, vector store, vector index, qdrant, pinecone, weaviate, milvus, vectorize, pgvector",
  warehouse: "data warehouse, warehouse, bigquery, redshift, snowflake, databricks, lakehouse",
  duplicate: "duplicate, duplicates, duplicated, dupes, dedupe, deduplicate",
  crm: "crm, salesforce, hubspot, pipedrive",
  integration: "integration, integrations, integrate, connector, connectors, plugin, plugins",
  docs: "documentation, docs, doc, guide, guides, manual, help center, knowledge base, readme, tutorial",
  support: "support, helpdesk, help desk, customer service, customer support, service desk, ticket, tickets, zendesk, help request, help requests",

  // People and agents
  staff: "employee, employees, staff, team member, personnel, workforce, headcount, colleague, colleagues, coworker, teammate, teammates",
  hire: "hire, hires, hired, hiring, recruit, recruiting, join, joining, joins, new hire",
  sre: "sre, site reliability, reliability engineer, reliability engineers, reliability engineering, devops",
  agent: "agent, agents, bot, bots, assistant, assistants, ai agent",
  writer: "writer, writing, write, author, drafting, copywriter, editor",
  research: "research, researcher, researching, study, studies, investigation, analyst, insight, discovery",
  results: "results, result, findings, finding, outcome, outcomes, output, outputs, conclusions",
  handoff: "hand off, hands off, handoff, handover, hand over, pass, passes, send, sends, sent, deliver, transfer, receive, received",
  summary: "summary, summaries, summarize, summarizer, summarization, digest, tldr",
  classify: "classify, classifier, classification, categorize, categorization, labeling, tagging",

  // Security and access
  security: "security, vulnerability, exploit, cve, attack, compromise, compromised, breach",
  credential: "credential, credentials, api key, api keys, key, keys, secret, secrets, token, tokens, password, passwords",
  leak: "leak, leaked, exposed, exposure, plaintext, plain text, unencrypted, disclosed",
  log: "log, logs, logged, logging, audit log, trace",
  phishing: "phishing, phish, scam, fraud, fraudulent, fake, spoofed, social engineering, malicious",
  login: "login, log in, logon, sign in, signin, authenticate, authentication, auth, magic link",
  sso: "sso, single sign on, saml",
  onboarding: "onboarding, onboard, setup, set up, getting started, activation, configuration, configure, install, installation",
  signup: "signup, signups, sign up, registration, register, new account",

  // Channels
  email: "email, emails, e mail, mail, newsletter, smtp, inbox, emailed",
  sms: "sms, text message, text messages, texts, texting",
  notify: "notify, notification, notifications, alert, alerts, notified, paged",
  webhook: "webhook, webhooks, callback, callbacks, event notification",
};
