export {
  EARLIEST_DATE_TIME,
  isUnderDomain,
  isUuid,
  LATEST_DATE_TIME,
  parseDateTime,
  parseDisplayName,
  parseEmail,
  parseHostname,
  parseSlug,
  parseText,
  parseUuid,
  RESERVED_SLUGS,
} from "./input";
