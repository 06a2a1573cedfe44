/** The deployed service's name: stack names, Powertools' service, doctor's default stack. */
export const SERVICE_NAME = 'twilio-media-archiver';
