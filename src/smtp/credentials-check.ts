import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (value: string): Buffer => createHash('sha256').update(value, 'utf8').digest();

/**
 * Checks SMTP AUTH credentials in constant time: user name and password are compared as SHA-256
 * digests, both always, so neither their content, their length nor which one was wrong shows in
 * the time taken.
 */
export function createCredentialsCheck(user: string, password: string): (user: string, password: string) => boolean {
  const expectedUser = digest(user);
  const expectedPassword = digest(password);
  return (givenUser, givenPassword) => {
    const userOk = timingSafeEqual(digest(givenUser), expectedUser);
    const passwordOk = timingSafeEqual(digest(givenPassword), expectedPassword);
    return userOk && passwordOk;
  };
}
