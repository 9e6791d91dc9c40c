// The body Twilio's REST API answers an error with, so that helper libraries raise their usual
// exception with the code and message in it (twilio-python's TwilioRestException, for one).
export interface TwilioError {
  readonly status: number;
  readonly code: number;
  readonly message: string;
  readonly more_info: string;
}

export const twilioError = (status: number, code: number, message: string): TwilioError => ({
  status,
  code,
  message,
  more_info: `https://www.twilio.com/docs/errors/${code}`,
});
