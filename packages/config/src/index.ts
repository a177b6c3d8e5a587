export { bool, EnvError, int, loadEnv, nodeEnv, optionalString, parseEnv, string, url } from "./env";
