export type { Queryable, RetryPolicy } from "./boss";
export { DEFAULT_EMAIL_RETRY, JOBS_SCHEMA, startBoss } from "./boss";
export type { EmailJob, QueuedEmail } from "./email";
export { EMAIL_QUEUE } from "./email";
export type { EmailWorker, EmailWorkerOptions } from "./email-worker";
export { createEmailWorker } from "./email-worker";
export type { JobQueue, JobQueueOptions } from "./queue";
export { createJobQueue } from "./queue";
export type { ScheduledJob, ScheduledJobs, ScheduledJobsOptions } from "./scheduled";
export { createScheduledJobs } from "./scheduled";
export type { Sealer } from "./sealing";
export {
  createSealer,
  DEV_EMAIL_ENCRYPTION_KEY,
  emailKeyProblems,
  MIN_EMAIL_KEY_LENGTH,
  parseEmailKeys,
} from "./sealing";
export type { JobRun, ServiceQueue, ServiceWork, ServiceWorkOptions } from "./service-work";
export { removeServiceWork, startServiceWork } from "./service-work";
export type { SiteEvent, SiteEventPublisher, SiteLifecycle } from "./site-events";
export {
  createSiteEventPublisher,
  publishSiteEvent,
  SITE_LIFECYCLE,
  siteEventName,
  siteEventsQueue,
} from "./site-events";
