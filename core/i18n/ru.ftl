app-name = Вече
