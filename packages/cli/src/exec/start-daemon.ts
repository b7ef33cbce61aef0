// Loaded only when no daemon answers: the client's lean start (no grpc-js) stays off the exec bundle's path.
export { startDaemonProcess } from '@latchkey/client/start';
