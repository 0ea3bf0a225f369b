package i18n

// readerMessages are the public site's words.
var readerMessages = []msg{}
