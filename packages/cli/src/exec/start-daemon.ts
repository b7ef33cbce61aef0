// Loaded only when no daemon answers: the full client (grpc-js) stays off the exec bundle's path.
export { startDaemonProcess } from '@latchkey/client';
