package i18n

// mailMessages are the words of the e-mails readers and donors receive:
// double opt-in, newsletters, receipts and sign-in links.
var mailMessages = []msg{
	// Newsletter lists, named in the forms and the mails.
	m("Daily digest", s("Ежедневная рассылка")),
	m("The day's stories, once a day.", s("Главное за день, раз в день.")),
	m("Breaking news", s("Срочные новости")),
	m("Only when it cannot wait.", s("Только когда это не может ждать.")),

	// Double opt-in.
	m("Confirm your subscription to %s", s("Подтвердите подписку на рассылку %s")),
	m("Confirm your subscription", s("Подтвердите подписку")),
	m("Confirm the subscription", s("Подтвердить подписку")),
	m("Someone, probably you, asked to get these newsletters from %s:", s("Кто-то, вероятно вы, попросил присылать эти рассылки %s:")),
	m("To confirm, open this link within %d days:", pl(
		"one", "Чтобы подтвердить, откройте эту ссылку в течение %d дня:",
		"other", "Чтобы подтвердить, откройте эту ссылку в течение %d дней:")),
	{key: "the link works for %d days",
		en: pl("one", "the link works for %d day", "other", "the link works for %d days"),
		ru: pl("one", "ссылка действует %d день", "few", "ссылка действует %d дня", "many", "ссылка действует %d дней", "other", "ссылка действует %d дня")},
	m("If it was not you, ignore this mail: without a confirmation nothing is sent.", s("Если это были не вы, не обращайте внимания на это письмо: без подтверждения мы ничего не пришлём.")),

	// Newsletters.
	m("Breaking: %s", s("Срочно: %s")),
	m("The day's stories: %s", s("Главное за день: %s")),
	m("Read it:", s("Читать:")),
	m("Read it on the site", s("Читать на сайте")),
	m("You get this because you subscribed to “%s” from %s.", s("Вы получили это письмо, потому что подписались на рассылку «%s» от %s.")),
	m("Unsubscribe with one click:", s("Отписаться одним нажатием:")),
	m("If our site is blocked where you are, read us at:", s("Если наш сайт у вас заблокирован, читайте нас здесь:")),

	// Receipts.
	m("Thank you for supporting %s", s("Спасибо, что поддерживаете %s")),
	m("Thank you.", s("Спасибо.")),
	{key: "receipt.received",
		en: s("%[1]s received your %[2]s gift of %[3]s on %[4]s."),
		ru: s("%[1]s: %[4]s получено ваше %[2]s пожертвование, %[3]s.")},
	{key: "receipt.frequency.one-time", en: s("one-time"), ru: s("разовое")},
	{key: "receipt.frequency.monthly", en: s("monthly"), ru: s("ежемесячное")},
	{key: "receipt.frequency.annual", en: s("annual"), ru: s("ежегодное")},
	m("Reference: %s", s("Номер: %s")),
	m("To see your gifts or manage your support, sign in at %s", s("Чтобы увидеть свои пожертвования или изменить поддержку, войдите здесь: %s")),
	m("To see your gifts or manage your support, sign in:", s("Чтобы увидеть свои пожертвования или изменить поддержку, войдите:")),
	m("Independent journalism lives on gifts like yours.", s("Независимая журналистика живёт на такие пожертвования, как ваше.")),

	m("Your standing order's next transfer is due from %s, with the same reference.", s("Следующий перевод по регулярному платежу — с %s, с тем же назначением платежа.")),

	// Bank transfers: the instructions, on the page and by mail.
	m("Your bank transfer to %s: reference %s", s("Ваш банковский перевод для %s: назначение платежа %s")),
	m("Thank you for giving to %s.", s("Спасибо, что поддерживаете %s.")),
	{key: "standingorder.monthly",
		en: s("Please set up a standing order with your bank: %s every month, to the account below, with the same reference every time. The reference is how we know each transfer is your gift."),
		ru: s("Пожалуйста, оформите в своём банке регулярный платёж: %s каждый месяц на счёт ниже, каждый раз с одним и тем же назначением платежа. По нему мы узнаём, что перевод — ваше пожертвование.")},
	{key: "standingorder.annual",
		en: s("Please set up a standing order with your bank: %s every year, to the account below, with the same reference every time. The reference is how we know each transfer is your gift."),
		ru: s("Пожалуйста, оформите в своём банке регулярный платёж: %s раз в год на счёт ниже, каждый раз с одним и тем же назначением платежа. По нему мы узнаём, что перевод — ваше пожертвование.")},
	{key: "bank.frequency.one-time", en: s("once"), ru: s("один раз")},
	{key: "bank.frequency.monthly", en: s("every month"), ru: s("каждый месяц")},
	{key: "bank.frequency.annual", en: s("every year"), ru: s("раз в год")},
	m("Amount: %s", s("Сумма: %s")),
	m("How often: %s", s("Как часто: %s")),
	m("Bank details:", s("Реквизиты:")),
	m("These instructions are also at %s", s("Эти указания есть и на сайте: %s")),
	m("If you did not ask for this, ignore this mail: nothing is taken from your account without your transfer.", s("Если вы этого не просили, не обращайте внимания на это письмо: без вашего перевода со счёта ничего не спишется.")),

	// Reminders of recurring gifts paid by hand (crypto).
	m("Your recurring gift to %s is due", s("Пора внести пожертвование для %s")),
	{key: "renewal.due.monthly",
		en: s("Your monthly gift of %[1]s to %[2]s is due from %[3]s."),
		ru: s("С %[3]s пора внести ежемесячное пожертвование %[1]s для %[2]s.")},
	{key: "renewal.due.annual",
		en: s("Your annual gift of %[1]s to %[2]s is due from %[3]s."),
		ru: s("С %[3]s пора внести ежегодное пожертвование %[1]s для %[2]s.")},
	m("Crypto cannot be charged automatically, so this link opens a fresh invoice for the period:", s("Криптовалюту нельзя списать автоматически, поэтому эта ссылка открывает новый счёт за этот период:")),
	m("Pay for this period", s("Оплатить этот период")),
	m("If two periods go unpaid, the gift ends and the reminders stop by themselves.", s("Если два периода останутся неоплаченными, пожертвования прекратятся, и напоминания больше не придут.")),
	m("To stop it now: %s", s("Чтобы прекратить сейчас: %s")),
	m("Stop my recurring gift", s("Прекратить регулярные пожертвования")),

	// Supporter sign-in links.
	m("Your sign-in link for %s", s("Ваша ссылка для входа на %s")),
	m("Sign in to %s", s("Войти на %s")),
	m("Hello,", s("Здравствуйте!")),
	m("someone asked to sign in to %s as a supporter with this address.", s("Кто-то попросил войти на %s как сторонник с этим адресом.")),
	m("Open this link within %d minutes to see your gifts and manage your support:", pl(
		"one", "Откройте эту ссылку в течение %d минуты, чтобы увидеть свои пожертвования и управлять поддержкой:",
		"other", "Откройте эту ссылку в течение %d минут, чтобы увидеть свои пожертвования и управлять поддержкой:")),
	m("The link works once. If you did not ask for it, ignore this mail: nothing changes.", s("Ссылка действует один раз. Если вы её не запрашивали, не обращайте внимания на это письмо: ничего не изменится.")),
}
