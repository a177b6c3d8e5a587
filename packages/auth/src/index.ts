export { hashPassword, PASSWORD_MAX, PASSWORD_MIN, parsePassword, verifyPassword } from "./passwords";
