package i18n

// mailMessages are the words of the mails readers and donors receive.
var mailMessages = []msg{}
