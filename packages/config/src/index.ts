export {
  bool,
  dnsServers,
  EnvError,
  int,
  loadEnv,
  nodeEnv,
  optionalString,
  parseEnv,
  string,
  url,
} from "./env";
